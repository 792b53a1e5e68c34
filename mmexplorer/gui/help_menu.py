"""Help: the keyboard shortcuts, where the program keeps its files, and About with versions.

The shortcut list is read from the window's own actions, so it cannot drift from
what the keys really do.
"""

from __future__ import annotations

import platform
import sys

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox

from mmexplorer import __version__

# Keys handled outside QActions (shortcuts bound to the views), described here.
EXTRA_KEYS = (("↑ / ↓ (in a view)", QT_TRANSLATE_NOOP("HelpMenu", "Higher / lower layer")),)


def shortcut_rows(window: QMainWindow) -> list[tuple[str, str]]:
    """(keys, what they do) for every menu action with a shortcut, in menu order."""
    rows, seen = [], set()

    def walk(menu) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu())
            elif not action.shortcut().isEmpty() and id(action) not in seen:
                seen.add(id(action))
                keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                rows.append((keys, action.text().replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…")))

    for top in window.menuBar().actions():
        if top.menu() is not None:
            walk(top.menu())
    return rows + [(k, QCoreApplication.translate("HelpMenu", v)) for k, v in EXTRA_KEYS]


def versions() -> dict[str, str]:
    import numpy
    import pyqtgraph
    import PySide6

    found = {
        "mmexplorer": __version__,
        "Python": platform.python_version(),
        "Qt": qVersion(),
        "PySide6": PySide6.__version__,
        "pyqtgraph": pyqtgraph.__version__,
        "numpy": numpy.__version__,
    }
    torch = sys.modules.get("torch")  # reported when the engine has loaded it; never imported for this
    if torch is not None:
        found["PyTorch"] = torch.__version__
    return found


def file_locations(settings_file: str) -> list[tuple[str, str]]:
    from mmexplorer.config import RESOURCES
    from mmexplorer.paths import user_data_dir, user_models_dir  # plain paths, no torch behind them

    return [
        (QCoreApplication.translate("HelpMenu", "Your models"), str(user_models_dir())),
        (QCoreApplication.translate("HelpMenu", "Settings"), settings_file),
        (QCoreApplication.translate("HelpMenu", "Data folder ($MMEXPLORER_HOME overrides it)"), str(user_data_dir())),
        (QCoreApplication.translate("HelpMenu", "Bundled models and samples"), str(RESOURCES)),
    ]


def _table(rows) -> str:
    cells = "".join(f"<tr><td><b>{a}</b></td><td>&nbsp;&nbsp;{b}</td></tr>" for a, b in rows)
    return f"<table>{cells}</table>"


def add_help_menu(window: QMainWindow, settings_file: str) -> dict[str, QAction]:
    menu = window.menuBar().addMenu(QCoreApplication.translate("HelpMenu", "&Help"))
    actions = {}

    def add(name: str, text: str, show) -> None:
        action = QAction(text, window)
        action.triggered.connect(show)
        menu.addAction(action)
        actions[name] = action

    add("shortcuts", QCoreApplication.translate("HelpMenu", "&Keyboard shortcuts"),
        lambda: QMessageBox.information(window, QCoreApplication.translate("HelpMenu", "Keyboard shortcuts"), _table(shortcut_rows(window))))
    add("files", QCoreApplication.translate("HelpMenu", "&Where files live"),
        lambda: QMessageBox.information(window, QCoreApplication.translate("HelpMenu", "Where files live"), _table(file_locations(settings_file))))
    add("about", QCoreApplication.translate("HelpMenu", "&About mmexplorer"), lambda: QMessageBox.about(
        window, QCoreApplication.translate("HelpMenu", "About mmexplorer"),
        QCoreApplication.translate("HelpMenu", "<p><b>mmexplorer</b>: attention and modality fusion in multimodal (image + text) transformers.</p>")
        + _table(versions().items())))
    return actions
