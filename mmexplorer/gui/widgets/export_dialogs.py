"""The Export figure dialog (name, format and resolution in one place) and a folder chooser that can make the folder.

Both are Qt's own (non-native) file dialogs, so the extra controls can live
inside them and behave the same on every platform.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtWidgets import QFileDialog, QLabel, QSpinBox

DEFAULT_DPI = 300


def suffix_of(name_filter: str) -> str:
    """'PNG image (*.png)' -> 'png'."""
    return name_filter.split("*.")[-1].rstrip(")").strip() if "*." in name_filter else ""


class FigureDialog(QFileDialog):
    """Save a figure: the suggested name follows the chosen format, and PNG's resolution is asked here too."""

    def __init__(self, parent, title: str, name: str, filters: str) -> None:
        super().__init__(parent, title)
        self.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        self.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        self.setNameFilter(filters)
        self.stem = Path(name).stem
        first = self.nameFilters()[0]
        self.selectNameFilter(first)
        self.selectFile(f"{self.stem}.{suffix_of(first)}")
        self.setDefaultSuffix(suffix_of(first))
        self.dpi = QSpinBox()
        self.dpi.setRange(72, 1200)
        self.dpi.setSingleStep(50)
        self.dpi.setValue(DEFAULT_DPI)
        self.dpi.setSuffix(self.tr(" dpi"))
        self.dpi.setToolTip(self.tr("Resolution of PNG figures; SVG and PDF are drawn as vectors"))
        self.dpi_label = QLabel(self.tr("Resolution:"))
        layout = self.layout()  # a QGridLayout in Qt's own dialog: add a row below the file type
        row = layout.rowCount()
        layout.addWidget(self.dpi_label, row, 0)
        layout.addWidget(self.dpi, row, 1)
        self.filterSelected.connect(self._filter_picked)
        self._filter_picked(first)

    def _filter_picked(self, name_filter: str) -> None:
        suffix = suffix_of(name_filter)
        self.setDefaultSuffix(suffix)
        typed = self.selectedFiles()[0] if self.selectedFiles() else ""
        stem = Path(typed).stem or self.stem
        self.selectFile(f"{stem}.{suffix}")
        png = suffix == "png"
        self.dpi.setEnabled(png)
        self.dpi_label.setEnabled(png)

    def chosen(self) -> tuple[Optional[str], int]:
        """(path with the chosen format's suffix, dpi) after exec(); (None, dpi) when cancelled."""
        files = self.selectedFiles()
        if self.result() != QFileDialog.DialogCode.Accepted or not files:
            return None, self.dpi.value()
        path = files[0]
        if not Path(path).suffix:
            path += "." + suffix_of(self.selectedNameFilter())
        return path, self.dpi.value()


class FolderDialog(QFileDialog):
    """Choose a folder, or type the name of a new one: it is made on accepting."""

    def __init__(self, parent, title: str) -> None:
        super().__init__(parent, title)
        self.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        self.setFileMode(QFileDialog.FileMode.Directory)
        self.setOption(QFileDialog.Option.ShowDirsOnly, True)
        self.made: Optional[Path] = None

    def accept(self) -> None:  # noqa: D401 (Qt's name)
        files = self.selectedFiles()
        if files and not Path(files[0]).exists():
            try:
                Path(files[0]).mkdir(parents=True)
                self.made = Path(files[0])
            except OSError:
                pass  # Qt's own check then says the folder cannot be used
        super().accept()
