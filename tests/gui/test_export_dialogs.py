"""The export dialogs: the suggested name follows the format, the DPI is in the same dialog, new folders are made."""

from PySide6.QtWidgets import QFileDialog

from mmexplorer.gui.export_actions import FIGURE_FILTER
from mmexplorer.gui.widgets.export_dialogs import FigureDialog, FolderDialog


def test_figure_name_follows_the_filter_and_dpi_is_in_the_dialog(qtbot, tmp_path):
    dialog = FigureDialog(None, "Export figure", "overlay", FIGURE_FILTER)
    qtbot.addWidget(dialog)
    dialog.setDirectory(str(tmp_path))
    assert dialog.selectedNameFilter().startswith("PNG")
    assert dialog.selectedFiles()[0].endswith("overlay.png")
    assert dialog.dpi.isEnabled() and dialog.dpi.value() == 300
    pdf = dialog.nameFilters()[2]
    dialog.selectNameFilter(pdf)
    dialog.filterSelected.emit(pdf)
    assert dialog.selectedFiles()[0].endswith("overlay.pdf")
    assert not dialog.dpi.isEnabled()  # vectors: no resolution to pick
    png = dialog.nameFilters()[0]
    dialog.selectNameFilter(png)
    dialog.filterSelected.emit(png)
    dialog.dpi.setValue(150)
    dialog.accept()
    path, dpi = dialog.chosen()
    assert path == str(tmp_path / "overlay.png") and dpi == 150


def test_folder_dialog_makes_a_new_folder(qtbot, tmp_path):
    dialog = FolderDialog(None, "Export bundle into folder")
    qtbot.addWidget(dialog)
    dialog.setDirectory(str(tmp_path))
    dialog.selectFile(str(tmp_path / "new" / "bundles"))
    dialog.accept()
    assert dialog.result() == QFileDialog.DialogCode.Accepted
    assert (tmp_path / "new" / "bundles").is_dir()
    assert dialog.selectedFiles()[0] == str(tmp_path / "new" / "bundles")
