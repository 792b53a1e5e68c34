"""The five views' tab titles, in the "Views" context, without importing the views (and pyqtgraph behind them).

The window's tab bar and View menu are built before the views exist (see
gui/main_window.py), so the titles live apart from the view classes.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP

VIEW_TITLES = {
    "cross": QT_TRANSLATE_NOOP("Views", "Cross-modal"),
    "self": QT_TRANSLATE_NOOP("Views", "Self-attention"),
    "patches": QT_TRANSLATE_NOOP("Views", "Patches && positions"),
    "heads": QT_TRANSLATE_NOOP("Views", "Heads"),
    "model": QT_TRANSLATE_NOOP("Views", "Model"),
}
