"""Persistent preferences: window geometry, last model, device, colormap, recent files."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 8


class Settings:
    def __init__(self, settings: QSettings | None = None) -> None:
        if settings is None:
            from mmexplorer.paths import user_data_dir  # plain paths; no torch behind it

            path = user_data_dir() / "explorer.ini"
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
