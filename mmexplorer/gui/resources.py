"""Icons shipped under resources/icons."""

from __future__ import annotations

from mmexplorer.config import RESOURCES

ICONS = RESOURCES / "icons"


def app_icon():
    from PySide6.QtGui import QIcon

    path = ICONS / "mmexplorer.png"
    return QIcon(str(path)) if path.is_file() else None
