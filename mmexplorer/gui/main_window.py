"""The main window: composes the input panel, the controls and the views, and wires menus and shortcuts.

With `views_later`, the window is built without its five views: their tabs
hold empty pages until `build_views()` (or the first read of `views`) fills
them. The views need pyqtgraph, a third of a second of imports and building
that would otherwise come before the window appears.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QScrollArea, QSplitter, QTabWidget, QVBoxLayout, QWidget

from mmexplorer.gui.actions import InputActions
from mmexplorer.gui.i18n.terms import fusion_phrase
from mmexplorer.gui.probe_client import ProbeClient
from mmexplorer.gui.settings import Settings
from mmexplorer.gui.state import AppState
from mmexplorer.gui.views import table
from mmexplorer.gui.views.table import VIEW_TITLES
from mmexplorer.gui.widgets.input_panel import InputPanel
from mmexplorer.gui.widgets.message_bar import MessageBar
from mmexplorer.gui.widgets.model_bar import ModelBar
from mmexplorer.gui.widgets.saved_banner import SavedBanner
from mmexplorer.gui.widgets.status import StatusBar
from mmexplorer.gui.widgets.tab_page import TabPage
from mmexplorer.gui.widgets.view_controls import ViewControls

VIEW_NAMES = table.NAMES  # the names `--view` takes, in tab order


class MainWindow(QMainWindow):
    closing = Signal()

    def __init__(self, state: AppState, client: ProbeClient, settings: Settings, views_later: bool = False) -> None:
        super().__init__()
        self.state, self.client, self.settings = state, client, settings
        self.setWindowTitle("mmexplorer")
        self.setAcceptDrops(True)
        self.actions_ = InputActions(state, settings, self)

        self.inputs = InputPanel(state)
        self.model_bar = ModelBar(state)
        self.controls = ViewControls(state)
        self.messages = MessageBar(state)
        self.saved_banner = SavedBanner(state)
        self.close_guards: list = []  # () -> bool: each may keep the window open (the user said no)
        self._views: dict[str, QWidget] = {}
        self._views_built = False
        self._pages: dict[str, TabPage] = {}  # every tab's page by view name, filled or still empty
        self.tabs = QTabWidget()
        for name in VIEW_NAMES:
            self._pages[name] = page = TabPage()
            self.tabs.addTab(page, self.view_title(name))
        # the toolbar enables what the view on screen uses, and numbers its layers
        self.tabs.currentChanged.connect(lambda _: self.controls.set_view(self.current_view_name(), self.current_view()))

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.controls)
        right_layout.addWidget(self.tabs, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        # the input side scrolls rather than set the window's minimum height (1024 × 640 screens)
        inputs = QScrollArea()
        inputs.setWidget(self.inputs)
        inputs.setWidgetResizable(True)
        inputs.setFrameShape(QScrollArea.Shape.NoFrame)
        inputs.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inputs.setMinimumWidth(self.inputs.minimumSizeHint().width() + inputs.verticalScrollBar().sizeHint().width())
        splitter.addWidget(inputs)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 1000])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 4, 6, 2)
        layout.addWidget(self.model_bar)
        layout.addWidget(self.saved_banner)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self.messages.float_over(splitter)  # over the bottom of the work area, outside the layout
        self.status = StatusBar(state)
        self.setStatusBar(self.status)

        self._build_menus()
        self._wire()
        state.model_info_changed.connect(self._title)
        # saved work on screen: its model may not be loadable, so the model controls wait until it is left
        state.saved_changed.connect(lambda: self.model_bar.setEnabled(state.saved is None))
        if not views_later:
            self.build_views()

    @property
    def views(self) -> dict[str, QWidget]:
        """The views by name (the five, then the tools' panels); reading it builds the five if not yet built."""
        if not self._views_built:
            self.build_views()
        return self._views

    @property
    def views_built(self) -> bool:
        return self._views_built

    def build_views(self) -> None:
        """Build the five views into their tabs (pyqtgraph is imported here)."""
        if self._views_built:
            return
        self._views_built = True
        for name in VIEW_NAMES:
            self._views[name] = view = table.BY_NAME[name].widget_class()(self.state)
            self._pages[name].set_view(view)

    def _title(self) -> None:
        info = self.state.model_info
        self.setWindowTitle(self.tr("mmexplorer — {name} ({fusion})").format(name=info.name, fusion=fusion_phrase(info.fusion))
                            if info else "mmexplorer")

    def view_title(self, name: str) -> str:
        """A view's tab title in the interface's language (views name themselves in the "Views" context)."""
        return QCoreApplication.translate("Views", VIEW_TITLES[name])

    # -- wiring -----------------------------------------------------------
    def _wire(self) -> None:
        a = self.actions_
        self.inputs.open_requested.connect(a.open_dialog)
        self.inputs.paste_requested.connect(a.paste)
        self.inputs.gallery.picked.connect(a.pick_sample)
        self.model_bar.open_checkpoint.connect(a.open_checkpoint)
        self.model_bar.run_requested.connect(lambda: self.client.run_now(force=True))
        a.recent_changed.connect(self._fill_recent)
        self._fill_recent(self.settings.recent)

    def _action(self, menu, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu(self.tr("&File"))
        file.setObjectName("fileMenu")  # found by name, whatever language its title is in
        self._action(file, self.tr("&Open image…"), self.actions_.open_dialog, QKeySequence.StandardKey.Open, self.tr("Open a picture"))
        self.recent_menu = file.addMenu(self.tr("Open &recent"))
        self._action(file, self.tr("&Paste image"), self.actions_.paste, QKeySequence.StandardKey.Paste,
                     self.tr("Paste a picture from the clipboard"))
        file.addSeparator()
        self._action(file, self.tr("Open &checkpoint…"), self.actions_.open_checkpoint, None, self.tr("Load a model checkpoint file"))
        self._action(file, self.tr("Open model &folder…"), self.actions_.open_model_folder, None,
                     self.tr("Load a Hugging Face CLIP or ViT folder saved with save_pretrained (needs mmexplorer[hf])"))
        self._action(file, self.tr("Open from &Hugging Face…"), self.actions_.open_from_hub, None,
                     self.tr("Load a model by its Hugging Face id from the local cache (ViLT, BLIP, FLAVA, CLIP, "
                             "SigLIP, SigLIP 2, Chinese-CLIP; needs mmexplorer[hf])"))
        self._action(file, self.tr("Re&load model list"), self.client.refresh_catalog, None,
                     self.tr("Look for new models in the models folders"))
        self._action(file, self.tr("Open pro&be…"), lambda: self.open_probe(), None,
                     self.tr("Show a saved probe (.npz from mmexplorer probe or a script's record.save) in every view"))
        self._action(file, self.tr("Open results &store…"), lambda: self.open_results_store(), None,
                     self.tr("Step through the pairs of a batch probe's output folder (mmexplorer probe --pairs)"))
        file.addSeparator()
        self._action(file, self.tr("&Quit"), self.close, QKeySequence("Ctrl+Q"), self.tr("Quit mmexplorer"))
        probe = bar.addMenu(self.tr("&Probe"))
        probe.setObjectName("probeMenu")
        self._action(probe, self.tr("&Run again"), lambda: self.client.run_now(force=True), QKeySequence("Ctrl+R"), self.tr("Run the model now"))
        self._action(probe, self.tr("&Next word"), lambda: self.step_token(1), QKeySequence(Qt.Key.Key_Right), self.tr("Focus the next word"))
        self._action(probe, self.tr("&Previous word"), lambda: self.step_token(-1), QKeySequence(Qt.Key.Key_Left),
                     self.tr("Focus the previous word"))
        # Layers stack upwards (layer 0 reads the input, the last one is on top): Up and Page Up climb.
        self._action(probe, self.tr("Higher &layer"), lambda: self.step_layer(1), QKeySequence(Qt.Key.Key_PageUp),
                     self.tr("Show the next layer up (towards the output)"))
        self._action(probe, self.tr("Lower l&ayer"), lambda: self.step_layer(-1), QKeySequence(Qt.Key.Key_PageDown),
                     self.tr("Show the next layer down (towards the input)"))
        self.view_menu = bar.addMenu(self.tr("&View"))
        for name in VIEW_NAMES:
            self._view_action(name, self.view_title(name))
        # arrows also act while the views have focus; the text box keeps its own cursor keys
        for key, step in ((Qt.Key.Key_Up, 1), (Qt.Key.Key_Down, -1)):
            QShortcut(QKeySequence(key), self.tabs, activated=lambda s=step: self.step_layer(s))

    def open_probe(self, path: str | None = None) -> bool:
        """Show a saved probe npz in every view (asks for it when not given); False, with the reason said, if it cannot."""
        from mmexplorer.gui.saved_files import PROBE_FILTER, read_saved_probe

        if path is None:
            from PySide6.QtWidgets import QFileDialog

            path, _ = QFileDialog.getOpenFileName(self, self.tr("Open a saved probe"), "", self.tr(PROBE_FILTER))
            if not path:
                return False
        try:
            work, result, info = read_saved_probe(path)
        except ValueError as exc:
            self.state.post_message(str(exc), "error")
            return False
        self.state.show_saved(work, result, info)
        return True

    def open_results_store(self, folder: str | None = None):
        """Open a batch probe's output folder as a table of pairs beside the views (asks for it when not given)."""
        from PySide6.QtWidgets import QDockWidget, QFileDialog

        from mmexplorer.gui.store_browser import StoreBrowser  # h5py loads only when asked for

        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, self.tr("Open a results store (the --out-dir of probe --pairs)"))
            if not folder:
                return None
        browser = getattr(self, "store_browser", None)
        if browser is None:
            browser = self.store_browser = StoreBrowser(self)
            browser.pair_shown.connect(self._show_stored_pair)
            self.results_dock = QDockWidget(self.tr("Results"), self)
            self.results_dock.setObjectName("resultsDock")
            self.results_dock.setWidget(browser)
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.results_dock)
        if not browser.open_folder(folder):
            self.state.post_message(browser.notice.text(), "error")
            return browser
        self.results_dock.setWindowTitle(self.tr("Results — {0}").format(folder))
        self.results_dock.show()
        browser.table.setFocus()  # the arrow keys step through the pairs at once
        return browser

    def _show_stored_pair(self, record, picture, source: str) -> None:
        from mmexplorer.gui.saved_files import saved_result

        self.state.show_saved(*saved_result(record, picture, source))

    def _fill_recent(self, paths: list) -> None:
        self.recent_menu.clear()
        for path in paths:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _=False, p=path: self.actions_.open_path(p))
        self.recent_menu.setEnabled(bool(paths))

    # -- navigation -------------------------------------------------------
    def step_token(self, step: int) -> None:
        record = self.state.record
        if record is not None and record.tokens:
            self.state.select(token=(self.state.token + step) % len(record.tokens))

    def step_layer(self, step: int) -> None:
        record = self.state.record
        if record is None:
            return
        kind = self.controls.layer_kind()  # the attention set the current view shows
        if kind is None:
            return
        n = record.layers(kind)
        self.state.select(layer=min(n - 1, max(0, self.state.layer_of(kind) + step)))

    def show_view(self, name: str) -> None:
        self.tabs.setCurrentWidget(self._pages[name])  # the view's TabPage (its view may come later)

    def current_view(self) -> QWidget | None:
        page = self.tabs.currentWidget()
        return page.view if isinstance(page, TabPage) else None

    def current_view_name(self) -> str:
        page = self.tabs.currentWidget()
        return next((name for name, p in self._pages.items() if p is page), "")

    def reserve_view(self, name: str, title: str) -> None:
        """A tab and a View entry for a panel that `add_view` brings later (the tab bar is whole from the start)."""
        if name not in self._pages:
            self._pages[name] = page = TabPage()
            self.tabs.addTab(page, title)
            self._view_action(name, title)

    def add_view(self, name: str, widget: QWidget, title: str) -> None:
        """Add a panel as one more tab (e.g. training or comparison), reachable by name and from View."""
        self.reserve_view(name, title)
        self._views[name] = widget
        self._pages[name].set_view(widget)

    def _view_action(self, name: str, title: str) -> None:
        # The title keeps "&&" (a literal "&" in a menu); Ctrl+1… follow the tab order.
        number = len(self.view_menu.actions()) + 1
        keys = QKeySequence(f"Ctrl+{number}") if number <= 9 else None
        self._action(self.view_menu, title, lambda _=False, n=name: self.show_view(n), keys)

    # -- drag and drop ----------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        mime = event.mimeData()
        if mime.hasUrls() or mime.hasImage() or mime.hasText() or mime.formats():
            event.acceptProposedAction()  # take anything, then say plainly if it is not a picture
            self.inputs.highlight_drop(True)

    def dragMoveEvent(self, event) -> None:
        event.acceptProposedAction()

    def dragLeaveEvent(self, event) -> None:
        self.inputs.highlight_drop(False)

    def dropEvent(self, event) -> None:
        event.acceptProposedAction()
        self.inputs.highlight_drop(False)
        mime = event.mimeData()
        urls = mime.urls() if mime.hasUrls() else []
        if urls and urls[0].isLocalFile() and urls[0].toLocalFile().lower().endswith(".npz"):
            self.open_probe(urls[0].toLocalFile())  # a saved probe, not a picture
            return
        self.actions_.from_mime(mime, "dropped")

    # -- closing ----------------------------------------------------------
    def closeEvent(self, event) -> None:
        for may_close in self.close_guards:  # e.g. a training run: quitting loses it, so the user is asked
            if not may_close():
                event.ignore()
                return
        self.closing.emit()
        self.client.shutdown()
        super().closeEvent(event)
