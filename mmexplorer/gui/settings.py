"""Persistent preferences: window geometry, last model, device, colormap, recent files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 8
MAX_SETTINGS_BYTES = 1 << 20  # a preferences file is a few KiB


def usable_settings_path(path: Path) -> Path:
    """`path`, or a fresh file in a private temp folder when `path` must not be opened.

    QSettings reads its whole file, blocking on a FIFO (the window would never open) and
    holding a 1 GiB file in memory: such a file is left alone, said once on stderr, and
    this session's preferences are kept in the temp file instead.
    """
    import os
    import sys
    import tempfile

    from mmexplorer.data.files import format_bytes, regular_file_problem

    if not os.path.lexists(path):
        return path
    problem = regular_file_problem(path)
    if problem is None and os.stat(path).st_size > MAX_SETTINGS_BYTES:
        problem = f"is larger than the limit of {format_bytes(MAX_SETTINGS_BYTES)}"
    if problem is None:
        return path
    print(f"note: {path} {problem}; preferences are not read from it or saved this session", file=sys.stderr)
    return Path(tempfile.mkdtemp(prefix="mmexplorer-settings-")) / "explorer.ini"


class Settings:
    def __init__(self, settings: QSettings | None = None) -> None:
        if settings is None:
            from mmexplorer.paths import user_data_dir  # plain paths; no torch behind it

            path = usable_settings_path(user_data_dir() / "explorer.ini")
            settings = QSettings(str(path), QSettings.Format.IniFormat)
        self.q = settings

    def _get(self, key: str, default=None):
        value = self.q.value(key, default)
        return default if value is None else value

    @property
    def geometry(self) -> QByteArray | None:
        value = self.q.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self.q.setValue("window/geometry", value)

    def get(self, key: str, default: str | None = None) -> str | None:
        value = self._get(key, default)
        return None if value is None else str(value)

    def set(self, key: str, value) -> None:
        self.q.setValue(key, value)

    @property
    def recent(self) -> list[str]:
        value = self._get("files/recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in value][:MAX_RECENT]

    def add_recent(self, path: str) -> list[str]:
        recent = [path] + [p for p in self.recent if p != path]
        self.q.setValue("files/recent", recent[:MAX_RECENT])
        return recent[:MAX_RECENT]

    def sync(self) -> None:
        self.q.sync()
