"""The Language menu: System, English, 中文; the choice is kept in the settings and applies at the next start.

Switching asks for a restart rather than retranslating live: every widget sets
its texts once when it is built, and rebuilding them all would touch every view.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QActionGroup

from mmexplorer.gui.i18n import SETTING

# the languages by their own names, so anyone can find theirs whatever the interface shows now
NATIVE_NAMES = {"en": "English", "zh_CN": "中文"}


class LanguageMenu(QObject):
    def __init__(self, window, settings, state, parent=None) -> None:
        super().__init__(parent)
        self.settings, self.state = settings, state
        self.menu = window.menuBar().addMenu(self.tr("&Language"))
        self.menu.setObjectName("languageMenu")
        self.group = QActionGroup(self)
        self.group.setExclusive(True)
        self.current = settings.get(SETTING, "system") or "system"
        self.actions: dict[str, QAction] = {}
        for code, label in (("system", self.tr("System")), *NATIVE_NAMES.items()):
            action = QAction(label, window)
            action.setCheckable(True)
            action.setChecked(code == self.current)
            action.setStatusTip(self.tr("Show the interface in this language from the next start"))
            action.triggered.connect(lambda _=False, c=code: self.pick(c))
            self.group.addAction(action)
            self.menu.addAction(action)
            self.actions[code] = action

    def pick(self, code: str) -> None:
        if code == self.current:
            return
        self.current = code
        self.settings.set(SETTING, code)
        self.settings.sync()
        name = self.tr("the system's language") if code == "system" else NATIVE_NAMES[code]
        self.state.post_message(self.tr("Restart mmexplorer to see the interface in {language}.").format(language=name), "info")
