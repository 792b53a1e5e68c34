"""The display check runs before Qt is imported and explains, in one line, why no window can open."""

import mmexplorer.gui.display as display


def test_headless_platforms_need_no_display(monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.delenv("DISPLAY", raising=False)
    assert display.display_problem() is None


def test_missing_display_is_explained(monkeypatch):
    monkeypatch.setattr(display.sys, "platform", "linux")
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    assert display.display_problem().startswith("no display found")


def test_unloadable_x11_plugin_is_explained(monkeypatch):
    monkeypatch.setattr(display.sys, "platform", "linux")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.setattr(display, "xcb_plugin_problem", lambda: "libxcb-icccm.so.4: cannot open shared object file")
    problem = display.display_problem()
    assert problem.startswith("Qt cannot open the X11 display: libxcb-icccm.so.4") and "libxcb-icccm4" in problem
    monkeypatch.setattr(display, "xcb_plugin_problem", lambda: None)
    assert display.display_problem() is None
