"""Putting the explorer together: state, settings, the probe client and the window, and the first probe."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Signal

from mmexplorer.gui.help_menu import add_help_menu
from mmexplorer.gui.i18n.menu import LanguageMenu
from mmexplorer.gui.main_window import MainWindow
from mmexplorer.gui.probe_client import ProbeClient
from mmexplorer.gui.samples import FALLBACK_TEXT, list_samples
from mmexplorer.gui.settings import Settings
from mmexplorer.gui.state import AppState
from mmexplorer.gui.tools import Tools
from mmexplorer.gui import strategy_models

if TYPE_CHECKING:
    from mmexplorer.data.image import LoadedImage

NO_MODELS = QT_TRANSLATE_NOOP(
    "Explorer", "No models are installed. Build the bundled ones with `make models`, or train one with "
    "`mmexplorer train --fusion early --out early.safetensors` and pick it with File › Open checkpoint…"
)


@dataclass
class Options:
    model: Optional[str] = None
    image: Optional[str] = None
    text: Optional[str] = None
    device: Optional[str] = None
    token: Optional[str] = None  # a word (or its index) to focus once the first probe is back
    persist: bool = True  # read and write the user's settings (off for screenshots and tests)


def blank_image() -> "LoadedImage":
    """A neutral picture for when no sample images are available."""
    import numpy as np

    from mmexplorer.data.image import LoadedImage

    return LoadedImage(np.full((128, 128, 3), 235, np.uint8), QCoreApplication.translate("Explorer", "blank picture"))


from mmexplorer.data.words import FUNCTION_WORDS, first_content_word  # noqa: E402,F401  (the first screen's word)


class Explorer(QObject):
    """Owns everything; the window only shows it.

    With `views_later`, the window is built whole (inputs, controls, menus, the
    tab bar) except for what needs pyqtgraph: the views, the training and
    comparison panels and the cell explanation dock come with `build_views()`,
    which `mmexplorer gui` calls once the window is on screen. Without it
    (tests, benchmarks) everything is built here.
    """

    first_probe_drawn = Signal()
    views_ready = Signal()

    def __init__(self, options: Options, settings: Optional[Settings] = None, views_later: bool = False) -> None:
        super().__init__()
        self.options = options
        self.settings = settings or Settings()
        self.state = AppState()
        self.client = ProbeClient(self.state)  # the engine process behind it starts in start()
        self.window = MainWindow(self.state, self.client, self.settings, views_later=True)
        self.tools = Tools(self.state, self.window, self.client, self, panels_later=True)
        self.cells = None  # gui.cell_tool.CellTool, built with the views
        self.language = LanguageMenu(self.window, self.settings, self.state, self)
        self.help_actions = add_help_menu(self.window, self.settings.q.fileName())  # last: after Edit
        self._drawn_once = False
        self.state.catalog_changed.connect(self._catalog_ready)
        self.window.closing.connect(self._save)
        self._restore()
        if views_later:
            self._initial_text()  # the picture (numpy, PIL) comes with the views
        else:
            self._initial_input()
            self.build_views()

    @property
    def views_built(self) -> bool:
        return self.cells is not None

    def build_views(self) -> None:
        """Build what needs pyqtgraph: the views, the tools' panels and the cell explanation dock."""
        if self.cells is not None:
            return
        from mmexplorer.gui.cell_tool import CellTool

        if self.state.image is None:
            self._initial_input()
            if self.state.model is not None:
                self.client.run_now()  # the model was picked before the picture was there
        self.window.build_views()
        self.tools.build_panels()
        self.cells = CellTool(self.state, self.window, self.client, self)
        self.state.result_changed.connect(self._result_drawn)  # after the views: they have drawn it by then
        self.views_ready.emit()
        if self.state.result is not None:
            self._result_drawn()  # a record came before the views

    # -- startup ----------------------------------------------------------
    def _restore(self) -> None:
        s = self.settings
        self._default_size()
        if self.options.persist:
            if s.geometry is not None:
                self.window.restoreGeometry(s.geometry)
            self.state.set_display(colormap=s.get("view/colormap", self.state.colormap))
            strategy_models.restore(self.state, s)  # the user's picks for the fusion buttons
        self.state.set_inputs(device=self.options.device or (s.get("engine/device", "auto") if self.options.persist else "auto"), quiet=True)

    def _default_size(self) -> None:
        """A first-run size that fits the screen: most of it, up to what the views can use."""
        screen = self.window.screen()
        if screen is None:
            return
        area = screen.availableGeometry()
        self.window.resize(min(1500, int(area.width() * 0.9)), min(950, int(area.height() * 0.9)))

    def _initial_text(self) -> None:
        """The sentence `_initial_input` will pick, for a window shown before its picture is loaded."""
        text = self.options.text
        if text is None and not self.options.image:
            samples = list_samples()
            text = samples[0].text if samples else None
        self.state.set_inputs(text=text if text is not None else FALLBACK_TEXT, quiet=True)

    def _initial_input(self) -> None:
        from mmexplorer.data.image import ImageError, load_image

        samples = list_samples()
        image, text = None, self.options.text
        if self.options.image:
            try:
                image = load_image(self.options.image)
            except ImageError as exc:
                self.state.post_message(str(exc), "error")
        if image is None and samples:
            image = load_image(samples[0].path)
            text = samples[0].text if text is None else text
        self.state.set_inputs(image=image or blank_image(), text=text if text is not None else FALLBACK_TEXT, quiet=True)

    def start(self) -> None:
        """Show the window first, then start the engine process."""
        if not self.window.isVisible():
            self.window.show()
        self.client.start()

    def _catalog_ready(self) -> None:
        catalog = self.state.catalog
        if self.state.model is not None:
            return  # a reload of the list: keep what the user is looking at
        wanted = self.options.model
        if wanted is None and self.options.persist:
            last = self.settings.get("engine/model")
            wanted = last if last and catalog.find(last) else None
        wanted = wanted or catalog.default
        if wanted is None:
            self.state.set_busy(False)
            self.state.post_message(catalog.error or self.tr(NO_MODELS), "error")
            return
        if self.state.device not in catalog.devices and not self.state.device.startswith(("cuda", "mps")):
            self.state.set_inputs(device="auto", quiet=True)
        self.state.set_inputs(model=wanted, quiet=True)
        self.client.run_now()  # the first probe should not wait for the debounce

    def _result_drawn(self) -> None:
        if not self._drawn_once:
            self._drawn_once = True
            if self.options.token is not None:
                self._focus_token(self.options.token)
            else:
                self.state.select(token=first_content_word(self.state.record.tokens))
            self.first_probe_drawn.emit()

    def _focus_token(self, token: str) -> None:
        words = [w.casefold() for w in self.state.record.tokens]
        if token.isdigit() and int(token) < len(words):
            self.state.select(token=int(token))
        elif token.casefold() in words:
            self.state.select(token=words.index(token.casefold()))
        else:
            self.state.post_message(self.tr("'{token}' is not one of the words {words}").format(token=token, words=self.state.record.tokens),
                                    "warning")

    # -- closing ----------------------------------------------------------
    def _save(self) -> None:
        if not self.options.persist:
            return
        s = self.settings
        s.geometry = self.window.saveGeometry()
        if self.state.model:
            s.set("engine/model", self.state.model)
        s.set("engine/device", self.state.device)
        strategy_models.save(self.state, s)
        s.set("view/colormap", self.state.colormap)
        s.sync()
