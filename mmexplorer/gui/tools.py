"""The explorer's tools beyond the views: training, comparison and export, attached to the window.

Kept out of the main window so it stays a composition of widgets: this module
adds two tabs and a few menu entries and wires them to the app state.

With `panels_later`, the menus and the two (empty) tabs come at once and the
panels, which need pyqtgraph, only with `build_panels()`: the window can
appear first.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from mmexplorer.gui.compare.model_set import fusion_model_set
from mmexplorer.gui.export_actions import ExportActions
from mmexplorer.gui.model_files import ModelFiles
from mmexplorer.gui.strategy_models import StrategyModelsMenu


def _user_models_dir() -> Path:
    from mmexplorer.paths import user_models_dir  # plain paths; no torch behind it

    return user_models_dir()


class Tools(QObject):
    def __init__(self, state, window, client, parent=None, panels_later: bool = False) -> None:
        super().__init__(parent)
        self.state, self.window, self.client = state, window, client
        self.training = self.compare = None  # built by build_panels
        self.export = ExportActions(state, window, self)
        self.model_files = ModelFiles(state, client, window)
        window.reserve_view("train", self.tr("Train"))
        window.reserve_view("compare", self.tr("Compare"))
        self._pending_model: str | None = None
        window.closing.connect(self.shutdown)
        self._menus()
        if not panels_later:
            self.build_panels()

    def build_panels(self) -> None:
        """Build the training and comparison panels into their tabs and follow the state."""
        if self.training is not None:
            return
        from mmexplorer.gui.compare.panel import ComparePanel
        from mmexplorer.gui.training.panel import TrainingPanel

        state, window = self.state, self.window
        self.training = TrainingPanel(_user_models_dir)
        self.compare = ComparePanel()
        window.add_view("train", self.training, self.tr("Train"))
        window.add_view("compare", self.compare, self.tr("Compare"))
        strategies = getattr(self, "strategy_models", None)
        if strategies is not None:
            self.compare.choose_models.connect(strategies.open_dialog)
        window.close_guards.append(self.training.may_quit)  # quitting during a run asks first
        self.training.model_trained.connect(self._model_trained)
        self.training.model_saved.connect(lambda _path: self.client.refresh_catalog())
        state.model_info_changed.connect(self._follow_fusion)
        state.catalog_changed.connect(self._catalog_changed)
        state.fusion_models_changed.connect(self._compare_set_changed)  # the user picked a model for a strategy
        state.result_changed.connect(self._feed_compare)
        state.selection_changed.connect(lambda: self.compare.select_token(self.state.token))
        window.tabs.currentChanged.connect(self._tab_changed)
        # what arrived before the panels were there
        if state.catalog is not None:
            self._catalog_changed()
        if state.model_info is not None:
            self._follow_fusion()
            self._compare_set_changed()
        if state.result is not None:
            self._feed_compare()

    def _follow_fusion(self) -> None:
        if self.state.model_info:
            self.training.follow_fusion(self.state.model_info.fusion)

    def _menus(self) -> None:
        bar = self.window.menuBar()
        file_menu = bar.findChild(QMenu, "fileMenu") or bar.addMenu(self.tr("&File"))
        first = file_menu.actions()[-2] if len(file_menu.actions()) >= 2 else None  # before "Quit"
        for text, slot, keys in (
            (self.tr("&Export figure…"), self.export.export_figure, "Ctrl+E"),
            (self.tr("Export &bundle (figure + data + settings)…"), self.export.export_bundle, "Ctrl+Shift+E"),
        ):
            action = QAction(text, self.window)
            action.setShortcut(QKeySequence(keys))
            action.triggered.connect(slot)
            file_menu.insertAction(first, action) if first is not None else file_menu.addAction(action)
        # An explicit choice, off by default: exports draw the picture as the screen does unless
        # asked for the grey underlay, and settings.json records which ("picture").
        grey = QAction(self.tr("Export with a grey picture (publication style)"), self.window)
        grey.setCheckable(True)
        grey.setToolTip(self.tr("Exported maps lie over a grey copy of the picture instead of the colour one shown"))
        grey.toggled.connect(self.export.set_publication_style)
        file_menu.insertAction(first, grey) if first is not None else file_menu.addAction(grey)
        self.publication_style = grey
        self.delete_action = QAction(self.tr("&Delete user model…"), self.window)
        self.delete_action.setStatusTip(self.tr("Remove the current model from your model folder (bundled models stay)"))
        self.delete_action.triggered.connect(self.model_files.delete_current)
        file_menu.insertAction(first, self.delete_action) if first is not None else file_menu.addAction(self.delete_action)
        self.delete_action.setEnabled(False)
        for signal in (self.state.catalog_changed, self.state.model_info_changed):
            signal.connect(lambda: self.delete_action.setEnabled(self.model_files.current_user_model() is not None))
        probe = bar.findChild(QMenu, "probeMenu")
        if probe is not None:
            self.strategy_models = StrategyModelsMenu(self.state, self.window, probe, self)
        edit = bar.addMenu(self.tr("&Edit"))
        copy = QAction(self.tr("&Copy view as image"), self.window)
        copy.setShortcut(QKeySequence("Ctrl+Shift+C"))
        copy.triggered.connect(self.export.copy_view)
        edit.addAction(copy)

    # -- wiring --------------------------------------------------------------
    def _model_trained(self, path: str) -> None:
        self._pending_model = Path(path).stem
        self.client.refresh_catalog()

    def _catalog_changed(self) -> None:
        catalog = self.state.catalog
        if catalog is None:
            return
        self.training.set_devices(catalog.devices)
        self._compare_set_changed()
        if self._pending_model and catalog.find(self._pending_model):
            name, self._pending_model = self._pending_model, None
            self.state.set_inputs(model=name)  # explore the new model at once
            self.state.post_message(self.tr("Trained model '{name}' loaded; it is in the model list.").format(name=name), "info")

    def _compare_set_changed(self) -> None:
        """Compare what the fusion buttons switch between: each strategy's current model."""
        models = fusion_model_set(self.state.fusion_models, self.state.catalog)
        self.compare.set_models([(m.name, m.path) for m in models], scored={m.name for m in models if m.scored})

    def _feed_compare(self) -> None:
        result = self.state.result
        if result is not None:
            self.compare.set_input(result.image, result.text, self.state.device, self.state.token, result.record)
            if self.window.current_view() is self.compare:
                self.compare.run()  # the comparison is on screen: keep it current

    def _tab_changed(self, _index: int) -> None:
        if self.window.current_view() is self.compare:
            self._feed_compare()

    def shutdown(self) -> None:
        if self.training is not None:
            self.training.shutdown()
            self.compare.shutdown()
        self.export.wait()
