"""`mmexplorer desktop install|uninstall` writes a valid launcher entry and icon under XDG_DATA_HOME only."""

from __future__ import annotations

import configparser
import shlex
import subprocess
import sys

import pytest

from mmexplorer.cli import main


def _entry(path) -> dict:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # desktop keys are case-sensitive
    parser.read_string(path.read_text())
    return dict(parser["Desktop Entry"])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="freedesktop entries exist on Linux desktops")
def test_install_then_uninstall(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert main(["desktop", "install"]) == 0
    entry = tmp_path / "data" / "applications" / "mmexplorer.desktop"
    icon = tmp_path / "data" / "icons" / "hicolor" / "256x256" / "apps" / "mmexplorer.png"
    fields = _entry(entry)
    assert fields["Type"] == "Application" and fields["Icon"] == "mmexplorer" and fields["Terminal"] == "false"
    assert "image/png" in fields["MimeType"].split(";") and "image/jpeg" in fields["MimeType"].split(";")
    command = shlex.split(fields["Exec"])
    assert command[-1] == "%f" and command[:4] == [sys.executable, "-m", "mmexplorer", "gui"]
    assert icon.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the command the launcher runs is a real one: its help names the picture argument
    shown = subprocess.run(command[:-1] + ["--help"], capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0 and "IMAGE" in shown.stdout
    written = {p for p in tmp_path.rglob("*") if p.is_file() and not p.name.endswith(".cache")}  # caches: the desktop's tools
    assert written == {entry, icon}
    capsys.readouterr()
    assert main(["desktop", "uninstall"]) == 0
    assert not entry.exists() and not icon.exists()
    assert main(["desktop", "uninstall"]) == 0
    assert "no desktop entry" in capsys.readouterr().out


def test_unwritable_data_folder_is_one_error_line(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    assert main(["desktop", "install"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")
