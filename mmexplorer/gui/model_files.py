"""File › Delete user model: remove a model the user trained (never a bundled one).

Trained models pile up in the user's model folder (a cancelled run keeps its last
checkpoint); without this the only way to drop one was a file manager.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtWidgets import QMessageBox, QWidget


def companion_files(path: Path) -> list[Path]:
    """The checkpoint and what training wrote beside it (a soft-sharing run's second backbone)."""
    return [p for p in (path, path.with_name(path.stem + "-vqa" + path.suffix)) if p.exists()]


class ModelFiles(QObject):
    def __init__(self, state, client, parent: QWidget, confirm: Optional[Callable[[str], bool]] = None) -> None:
        super().__init__(parent)
        self.state, self.client, self.parent_widget = state, client, parent
        self.confirm = confirm or self._ask

    def current_user_model(self):
        catalog, name = self.state.catalog, self.state.model
        entry = catalog.find(name) if catalog is not None and name else None
        return entry if entry is not None and entry.source == "user" else None

    def _ask(self, name: str) -> bool:
        answer = QMessageBox.question(
            self.parent_widget, QCoreApplication.translate("ModelFiles", "Delete user model"),
            QCoreApplication.translate("ModelFiles", "Delete the model '{name}' from your model folder? This cannot be undone.").format(name=name))
        return answer == QMessageBox.StandardButton.Yes

    def delete_current(self) -> bool:
        entry = self.current_user_model()
        if entry is None:
            self.state.post_message(QCoreApplication.translate("ModelFiles", "Only models you trained or added can be deleted; bundled ones stay."), "warning")
            return False
        if not self.confirm(entry.name):
            return False
        try:
            for path in companion_files(Path(entry.path)):
                path.unlink()
        except OSError as exc:
            self.state.post_message(QCoreApplication.translate("ModelFiles", "Could not delete {name}: {why}").format(name=entry.name, why=exc.strerror or exc), "error")
            return False
        catalog = self.state.catalog
        others = [m.name for m in catalog.models if m.name != entry.name]
        if others:  # explore the default model (or any other) instead of the deleted one
            self.state.set_inputs(model=catalog.default if catalog.default in others else others[0])
        self.client.refresh_catalog()
        self.state.post_message(QCoreApplication.translate("ModelFiles", "Deleted the model '{name}'.").format(name=entry.name), "info")
        return True
