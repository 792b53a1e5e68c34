"""`mmexplorer desktop install|uninstall`: the launcher entry and icon on a Linux desktop.

Writes a freedesktop.org desktop entry and the icon into the user's XDG data folder
(`$XDG_DATA_HOME`, default `~/.local/share`), so the explorer appears in the
application launcher and opens pictures dropped on its icon or opened with it. Nothing
is written outside that folder and nothing needs root.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from mmexplorer.cli.errors import UserInputError
from mmexplorer.config import RESOURCES

APP_ID = "mmexplorer"
ICON = RESOURCES / "icons" / "mmexplorer.png"  # 256 x 256
IMAGE_TYPES = ("image/png", "image/jpeg", "image/bmp", "image/gif", "image/tiff", "image/webp")


def add_parser(sub) -> None:
    p = sub.add_parser("desktop", help="add the explorer to (or remove it from) the Linux application launcher")
    p.add_argument("action", choices=("install", "uninstall"))


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def entry_path() -> Path:
    return data_home() / "applications" / f"{APP_ID}.desktop"


def icon_path() -> Path:
    return data_home() / "icons" / "hicolor" / "256x256" / "apps" / f"{APP_ID}.png"


def desktop_entry(python: str = sys.executable) -> str:
    # The interpreter this program runs under, with `-m`: works for pip, pipx and venv
    # installs alike, whether or not the `mmexplorer` script is on the launcher's PATH.
    command = " ".join(shlex.quote(part) for part in (python, "-m", "mmexplorer", "gui"))
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Name=mmexplorer",
        "GenericName=Multimodal attention explorer",
        "Comment=See how an image-text transformer fuses a picture and a sentence",
        f"Exec={command} %f",  # %f: the one picture dropped on the icon, or nothing
        f"Icon={APP_ID}",
        "Terminal=false",
        "Categories=Education;Science;ArtificialIntelligence;",
        "Keywords=attention;transformer;multimodal;ViT;CLIP;fusion;",
        "MimeType=" + ";".join(IMAGE_TYPES) + ";",
        f"StartupWMClass={APP_ID}",
        "",
    ])


def _refresh_caches() -> None:
    """Tell the desktop about the new entry where its tools are installed; harmless where not."""
    for command in (["update-desktop-database", "-q", str(entry_path().parent)],
                    ["gtk-update-icon-cache", "-q", "-t", str(data_home() / "icons" / "hicolor")]):
        if shutil.which(command[0]):
            subprocess.run(command, capture_output=True, timeout=30, check=False)


def install() -> list[Path]:
    if not sys.platform.startswith("linux") and "bsd" not in sys.platform:
        raise UserInputError("desktop entries are for Linux desktops; on macOS and Windows start `mmexplorer` from a terminal")
    from mmexplorer.data.files import atomic_write_bytes

    written = []
    try:
        for path, data in ((entry_path(), desktop_entry().encode()), (icon_path(), ICON.read_bytes())):
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, data)
            written.append(path)
    except OSError as exc:
        raise UserInputError(f"could not write the desktop entry: {exc.strerror or exc} ({exc.filename or data_home()})") from None
    _refresh_caches()
    return written


def uninstall() -> list[Path]:
    removed = []
    for path in (entry_path(), icon_path()):
        try:
            path.unlink()
            removed.append(path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise UserInputError(f"could not remove {path}: {exc.strerror or exc}") from None
    _refresh_caches()
    return removed


def run(args) -> int:
    if args.action == "install":
        for path in install():
            print(f"wrote {path}")
        print("mmexplorer is in the application launcher; drop a picture on its icon to open it")
    else:
        removed = uninstall()
        print("\n".join(f"removed {p}" for p in removed) if removed else "no desktop entry was installed")
    return 0
