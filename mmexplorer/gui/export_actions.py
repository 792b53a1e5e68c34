"""File › Export figure / Export bundle, and Edit › Copy view.

Figures are drawn with matplotlib (mmexplorer.export) from the immutable
record on a worker pool, so the window stays responsive; the settings are
taken from what the user is looking at: the view, layer, head, method, word
or patch, and the colormap, opacity and (by the same rule the views use)
colour levels, over the picture in colour as on screen (or over a grey
copy, when File › Export with a grey picture is checked).

Export needs no model and no torch: it draws the record and picture the window
already holds, with the colour tables the views use. So it stays in the
window's process rather than going through the engine, where it would wait
behind the running probe and the record would cross the pipe a second time.
"""

from __future__ import annotations

import datetime
import tempfile
import traceback
from pathlib import Path
from typing import Callable, Optional

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QApplication, QFileDialog

from mmexplorer.gui.state import AppState
from mmexplorer.gui.views.table import figure_of

FIGURE_FILTER = QT_TRANSLATE_NOOP("ExportActions", "PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)")


def bundle_target(folder: Path, name: str) -> Path:
    """Where a bundle goes: into the folder itself when it is new or empty (the name the user typed), else into a
    new stamped folder inside it, so an existing folder's files are never mixed with the bundle's."""
    if not folder.exists() or (folder.is_dir() and not any(folder.iterdir())):
        return folder
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return folder / f"{name}-{stamp}"


class _Signals(QObject):
    done = Signal(str)  # path written
    failed = Signal(str)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Path], signals: _Signals) -> None:
        super().__init__()
        self.work, self.signals = work, signals

    def run(self) -> None:
        try:
            self.signals.done.emit(str(self.work()))
        except Exception as exc:  # reported in the window, never raised into Qt
            traceback.print_exc()
            self.signals.failed.emit(QCoreApplication.translate("ExportActions", "export failed: {error}").format(error=exc))


class ExportActions(QObject):
    exported = Signal(str)  # a figure or bundle was written

    def __init__(self, state: AppState, window, parent=None,
                 ask_figure_path: Optional[Callable[[], Optional[str]]] = None,
                 ask_folder: Optional[Callable[[], Optional[str]]] = None,
                 ask_dpi: Optional[Callable[[], Optional[int]]] = None) -> None:
        super().__init__(parent)
        self.state, self.window = state, window
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.signals = _Signals()
        self.signals.done.connect(self._done)
        self.signals.failed.connect(self._failed)
        self.ask_figure_path = ask_figure_path or self._ask_figure_path
        self.ask_folder = ask_folder or self._ask_folder
        self.ask_dpi = ask_dpi or self._ask_dpi
        self._dialog_dpi = None  # the resolution picked in the figure dialog
        self.picture = "colour"  # under exported maps: "colour" as on screen, or "grey" (publication style)

    def set_publication_style(self, on: bool) -> None:
        self.picture = "grey" if on else "colour"

    # -- what to export ----------------------------------------------------
    def current_tab(self) -> str:
        return self.window.current_view_name()

    def figure_settings(self, dpi: int = 300):
        """What the current tab shows, as export settings (levels None: the view's own fixed levels)."""
        from mmexplorer.export import FigureSettings

        s, record = self.state, self.state.record
        view = (figure_of(self.current_tab()) or "overlay")
        if view == "compare":
            view = "overlay"  # a single record's figure (the comparison itself is drawn by compare_figure)
        look = dict(dpi=dpi, colormap=s.colormap, opacity=float(s.opacity), picture=self.picture)
        if view == "matrix":
            return FigureSettings(view="matrix", kind=s.kind, layer=s.layer_of(s.kind), head=s.head_arg, token=s.token, **look)
        if view == "overlay":
            layer = s.layer_of(record.cross_kind) if record is not None and record.cross_kind else None
            return FigureSettings(view="overlay", token=s.token, layer=layer, head=s.head_arg, method=s.map_method, **look)
        if view == "heads":
            return FigureSettings(view="heads", token=s.token, kind=self._heads_kind(), **look)
        return FigureSettings(view=view, patch=s.patch, **look)

    def _heads_kind(self):
        """The attention set the heads tab shows matrices of, or None for its word → picture mode."""
        from mmexplorer.gui.views.heads import WORD_MODE

        mode = self.window.views["heads"].mode
        data = mode.currentData() if mode.count() else WORD_MODE
        return None if data == WORD_MODE else data

    def _compared(self):
        """([(record, pixels)], word) of the Compare tab when it is shown and has answers, else None."""
        if self.current_tab() != "compare":
            return None
        panel = self.window.views["compare"]
        tokens = panel.word_token_indices()  # the same word in each model, found by its characters
        items = [(item.record, panel.image.pixels) for name, item in panel.items.items() if name in tokens]
        if not items:
            return None
        look = dict(token=[list(tokens[name]) for name in panel.items if name in tokens], share=True, colormap=panel.COLORMAP,
                    opacity=panel.OPACITY, levels=panel.levels, picture=self.picture)  # as the tab draws them
        return items, look

    @staticmethod
    def _render(record, pixels, settings):
        """-> (figure, the numbers it draws, resolved settings); runs on the pool, on values taken on the GUI thread."""
        from mmexplorer.export.figures import render_view

        return render_view(record, pixels, settings)

    # -- actions -----------------------------------------------------------
    def _has_result(self) -> bool:
        if self.state.result is None:
            self.state.post_message(self.tr("Nothing to export yet: wait for the first probe."), "warning")
        return self.state.result is not None

    def export_figure(self) -> bool:
        if not self._has_result():
            return False
        path = self.ask_figure_path()
        if not path:
            return False
        dpi = 300
        if path.lower().endswith(".png"):
            dpi = self.ask_dpi()
            if dpi is None:
                return False
        settings = self.figure_settings(dpi)
        record, pixels = self.state.result.record, self.state.result.image.pixels
        compared = self._compared()

        def work() -> Path:
            from mmexplorer.export import compare_figure, save_figure

            if compared is not None:  # the Compare tab: every model side by side, as drawn there
                items, look = compared
                return save_figure(compare_figure(items, **look), path, dpi=dpi, force=True)
            fig, _, resolved = self._render(record, pixels, settings)
            return save_figure(fig, path, dpi=resolved.dpi, force=True)  # the dialog already asked before replacing

        self._started(Path(path))
        self.pool.start(_Job(work, self.signals))
        return True

    def _started(self, target: Path) -> None:
        """Said at once: the first export of a session loads the figure library (several seconds) before drawing."""
        text = self.tr("Exporting {name}…").format(name=target.name)
        self.state.post_message(text, "info")
        self.window.statusBar().showMessage(text)

    def export_bundle(self) -> bool:
        if not self._has_result():
            return False
        folder = self.ask_folder()
        if not folder:
            return False
        result, info = self.state.result, self.state.model_info
        settings = self.figure_settings()
        target = bundle_target(Path(folder), f"{result.record.model}-{settings.view}")

        def work() -> Path:
            import numpy as np
            from PIL import Image

            from mmexplorer.export import BundleInputs, write_bundle
            from mmexplorer.export.save import figure_bytes

            image_path = result.image.source
            if not Path(image_path).is_file():  # pasted or dropped pixels: keep them as a PNG
                tmp = Path(tempfile.mkdtemp(prefix="mmexplorer-")) / "input.png"
                Image.fromarray(np.asarray(result.image.pixels)).save(tmp)
                image_path = str(tmp)
            fig, drawn, resolved = self._render(result.record, result.image.pixels, settings)
            inputs = BundleInputs(
                model=self.state.model or result.record.model,
                image=image_path,
                text=result.text,
                model_path=info.path if info else None,
                device=str(result.record.meta.get("device", "cpu")),
            )
            return write_bundle(target, figure_bytes(fig, "png", resolved.dpi), result.record, resolved, inputs, fmt="png",
                                drawn=drawn)

        self._started(target)
        self.pool.start(_Job(work, self.signals))
        return True

    def copy_view(self) -> bool:
        widget = self.window.current_view()
        if widget is None:
            return False
        QApplication.clipboard().setPixmap(widget.grab())
        self.state.post_message(self.tr("The current view is on the clipboard."), "info")
        return True

    def wait(self, ms: int = 60_000) -> bool:
        return self.pool.waitForDone(ms)

    def _failed(self, message: str) -> None:
        self.window.statusBar().clearMessage()
        self.state.post_message(message, "error")

    def _done(self, path: str) -> None:
        self.window.statusBar().clearMessage()
        self.state.post_message(self.tr("Exported {path}").format(path=path), "info")
        self.exported.emit(path)

    # -- dialogs -----------------------------------------------------------
    def _ask_figure_path(self) -> Optional[str]:
        from mmexplorer.gui.widgets.export_dialogs import FigureDialog

        view = (figure_of(self.current_tab()) or "overlay")
        dialog = FigureDialog(self.window, self.tr("Export figure"), view, self.tr(FIGURE_FILTER))
        dialog.exec()
        path, self._dialog_dpi = dialog.chosen()
        return path

    def _ask_folder(self) -> Optional[str]:
        from mmexplorer.gui.widgets.export_dialogs import FolderDialog

        dialog = FolderDialog(self.window, self.tr("Export bundle into folder (type a new name to make one)"))
        if dialog.exec() != QFileDialog.DialogCode.Accepted or not dialog.selectedFiles():
            return None
        return dialog.selectedFiles()[0]

    def _ask_dpi(self) -> Optional[int]:
        """The resolution chosen in the figure dialog itself (no second dialog)."""
        return self._dialog_dpi or 300
