"""Putting the explorer together: state, settings, the probe client and the window, and the first probe."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Signal

from mmexplorer.data.image import ImageError, LoadedImage, load_image
from mmexplorer.gui.cell_tool import CellTool
from mmexplorer.gui.help_menu import add_help_menu
from mmexplorer.gui.i18n.menu import LanguageMenu
from mmexplorer.gui.main_window import MainWindow
from mmexplorer.gui.probe_client import ProbeClient
from mmexplorer.gui.samples import FALLBACK_TEXT, list_samples
from mmexplorer.gui.settings import Settings
from mmexplorer.gui.state import AppState
from mmexplorer.gui.tools import Tools
from mmexplorer.spec import CATEGORIES

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


def blank_image() -> LoadedImage:
    """A neutral picture for when no sample images are available."""
    return LoadedImage(np.full((128, 128, 3), 235, np.uint8), QCoreApplication.translate("Explorer", "blank picture"))


# Words whose maps say little; the first screen focuses the first word not among them.
FUNCTION_WORDS = {"a", "an", "the", "and", "of", "with", "is", "to", "there", "what", "which", ",", ".", "?"}


def first_content_word(tokens) -> int:
    return next((i for i, t in enumerate(tokens) if t.casefold() not in FUNCTION_WORDS), 0)


class Explorer(QObject):
    """Owns everything; the window only shows it."""

    first_probe_drawn = Signal()

    def __init__(self, options: Options, settings: Optional[Settings] = None) -> None:
        super().__init__()
        self.options = options
        self.settings = settings or Settings()
        self.state = AppState()
        self.client = ProbeClient(self.state)  # the engine process behind it starts in start()
        self.window = MainWindow(self.state, self.client, self.settings)
        self.tools = Tools(self.state, self.window, self.client, self)
        self.cells = CellTool(self.state, self.window, self.client, self)
        self.language = LanguageMenu(self.window, self.settings, self.state, self)
        self.help_actions = add_help_menu(self.window, self.settings.q.fileName())  # last: after Edit
        self._drawn_once = False
        self.state.catalog_changed.connect(self._catalog_ready)
        self.state.result_changed.connect(self._result_drawn)
        self.window.closing.connect(self._save)
        self._restore()
        self._initial_input()

    # -- startup ----------------------------------------------------------
    def _restore(self) -> None:
        s = self.settings
        self._default_size()
        if self.options.persist:
            if s.geometry is not None:
                self.window.restoreGeometry(s.geometry)
            self.state.set_display(colormap=s.get("view/colormap", self.state.colormap))
            for category in CATEGORIES:  # the model set the fusion buttons switch between
                model = s.get(f"fusion/{category}")
                if model:
                    self.state.fusion_models[category] = model
        self.state.set_inputs(device=self.options.device or (s.get("engine/device", "auto") if self.options.persist else "auto"), quiet=True)

    def _default_size(self) -> None:
        """A first-run size that fits the screen: most of it, up to what the views can use."""
        screen = self.window.screen()
        if screen is None:
            return
        area = screen.availableGeometry()
        self.window.resize(min(1500, int(area.width() * 0.9)), min(950, int(area.height() * 0.9)))

    def _initial_input(self) -> None:
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
        for category, model in self.state.fusion_models.items():
            s.set(f"fusion/{category}", model)
        s.set("view/colormap", self.state.colormap)
        s.sync()
