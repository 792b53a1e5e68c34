"""Whether a window can be shown at all, decided before Qt is imported.

Qt aborts the process when it finds no display or cannot load its platform
plugin; the command line must say why in one line instead.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import sys
from pathlib import Path

HEADLESS_PLATFORMS = ("offscreen", "minimal", "vnc")
# Qt's X11 plugin links against these; a minimal Debian/Ubuntu lacks most of them.
X11_PACKAGES = (
    "libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 "
    "libxkbcommon-x11-0 libxcb-shape0 libxcb-xkb1"
)
X11_INSTALL = f"sudo apt-get install {X11_PACKAGES}"


def display_problem() -> str | None:
    """None when a window can be shown, else one line saying why not."""
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0].strip().lower()
    if platform in HEADLESS_PLATFORMS or not (sys.platform.startswith("linux") or "bsd" in sys.platform):
        return None
    has_x, has_wayland = bool(os.environ.get("DISPLAY")), bool(os.environ.get("WAYLAND_DISPLAY"))
    if platform in ("", "xcb") and not has_x and not has_wayland:
        return (
            "no display found (DISPLAY and WAYLAND_DISPLAY are unset); run it in a desktop session, "
            "or set QT_QPA_PLATFORM=offscreen and use --screenshot"
        )
    if platform == "wayland" and not has_wayland:
        return "QT_QPA_PLATFORM=wayland but WAYLAND_DISPLAY is unset"
    if platform == "xcb" or (platform == "" and has_x and not has_wayland):
        missing = xcb_plugin_problem()
        if missing:
            return f"Qt cannot open the X11 display: {missing}; install the X11 libraries Qt needs (Debian/Ubuntu: {X11_INSTALL})"
    return None


def xcb_plugin_problem() -> str | None:
    """Try to load Qt's X11 platform plugin the way Qt will; the loader's complaint, or None."""
    spec = importlib.util.find_spec("PySide6")  # finds the package without importing Qt
    if spec is None or not spec.submodule_search_locations:
        return None
    plugin = Path(list(spec.submodule_search_locations)[0]) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    if not plugin.is_file():
        return None  # a system Qt: let it report for itself
    try:
        ctypes.CDLL(str(plugin), mode=os.RTLD_LAZY | os.RTLD_LOCAL)
    except OSError as exc:
        return str(exc).split(": ", 1)[-1]
    return None
