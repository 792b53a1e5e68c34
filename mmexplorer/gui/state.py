"""The explorer's state: inputs, catalog, the current result and what the views focus on.

Evented (every change emits a signal) so views stay independent of each
other and of the main window; nothing here touches a widget or a model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from PySide6.QtCore import QObject, Signal

from mmexplorer.data.tokenizer import Encoding, Tokenizer
from mmexplorer.gui.qtfix import protect
from mmexplorer.gui.selection import METHODS, REDUCTIONS, Selection, SelectionChange

if TYPE_CHECKING:  # numpy behind them: the window is on screen before it is imported
    from mmexplorer.data.image import LoadedImage
    from mmexplorer.gui.messages import Catalog, ModelInfo, ProbeResult

protect()  # before the first emit: see qtfix for the PySide6 fault it guards against

__all__ = ["AppState", "METHODS", "REDUCTIONS", "Selection", "SelectionChange"]


class AppState(QObject):
    inputs_changed = Signal()  # image, text, model or device: a new probe is needed
    image_changed = Signal()
    text_changed = Signal()
    catalog_changed = Signal()
    model_info_changed = Signal()
    fusion_models_changed = Signal()  # the user's pick of a model for a fusion button
    result_changed = Signal()
    selection_changed = Signal(object)  # a SelectionChange: the new Selection and the keys that moved
    display_changed = Signal()  # colormap, opacity
    saved_changed = Signal()  # saved work (a probe file or a stored pair) shown, or left
    busy_changed = Signal(bool)
    message = Signal(str, str)  # text, level ("info" | "warning" | "error")
    message_withdrawn = Signal(str)  # a message that no longer holds: hidden if it is still shown

    def __init__(self) -> None:
        super().__init__()
        # inputs
        self.image: Optional[LoadedImage] = None
        self.text: str = ""
        self.model: Optional[str] = None  # catalog name or checkpoint path
        # fusion category -> the model the user picked for its fusion button (gui/strategy_models.py); a category
        # not here uses its bundled model. Only an explicit pick changes it, never opening a model.
        self.fusion_models: dict[str, str] = {}
        self.device: str = "auto"
        # what the worker told us
        self.catalog: Optional[Catalog] = None
        self.model_info: Optional[ModelInfo] = None
        self.tokenizer: Optional[Tokenizer] = None
        self.result: Optional[ProbeResult] = None
        # saved work on screen (gui.saved_work.SavedWork): no probe runs until it is left
        self.saved = None
        self._live_info: Optional[ModelInfo] = None  # the engine's model, kept aside while saved work is shown
        self.busy = False
        # focus: one frozen value, replaced whole (selection.py)
        self.selection = Selection()
        # display
        self.colormap = "inferno"
        self.opacity = 0.85  # low scores are transparent anyway (see pg.overlay_colormap)
        self.last_message: tuple[str, str] = ("", "info")

    # -- inputs ----------------------------------------------------------
    def set_inputs(self, quiet: bool = False, **changes) -> None:
        """Change image/text/model/device; `quiet` skips the reprobe (e.g. a device fallback the worker already did)."""
        changed = False
        for key, value in changes.items():
            if key not in ("image", "text", "model", "device"):
                raise KeyError(key)
            if key == "image" and value is not None:
                value.pixels.setflags(write=False)  # it is sent to the engine process
            same = getattr(self, key) is value if key == "image" else getattr(self, key) == value  # images: identity
            if not same:
                setattr(self, key, value)
                changed = True
                if key == "image":
                    self.image_changed.emit()
                if key == "text":
                    self.text_changed.emit()
        if changed and not quiet:
            self.inputs_changed.emit()

    def encoding(self) -> Optional[Encoding]:
        """The text as the current model's tokenizer sees it (None until a model has loaded)."""
        return None if self.tokenizer is None else self.tokenizer.encode(self.text)

    # -- from the worker -------------------------------------------------
    def set_catalog(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.catalog_changed.emit()

    def set_model_info(self, info: ModelInfo) -> None:
        if self.saved is not None:  # the engine's model: shown again when the saved work is left
            self._live_info = info
            return
        self._apply_model_info(info)

    def _apply_model_info(self, info: ModelInfo) -> None:
        cfg = info.config
        self.model_info = info
        # Models opened from other libraries tokenise with their own tokenizer: their chips
        # come from the probe's record instead of a vocabulary-less stand-in.
        vocab = tuple(cfg.get("vocab", ()))
        self.tokenizer = Tokenizer(vocab, int(cfg.get("max_text_len", 24))) if vocab else None
        self.model_info_changed.emit()
        self.text_changed.emit()  # the chips depend on the tokenizer

    def set_fusion_models(self, picks: dict) -> None:
        """Replace the user's picks per fusion category ({}: every button back to its bundled model)."""
        picks = {k: v for k, v in picks.items() if v}
        if picks != self.fusion_models:
            self.fusion_models = picks
            self.fusion_models_changed.emit()

    def set_result(self, result: ProbeResult) -> None:
        """A new record: the selection is fitted to it quietly (result_changed redraws everything anyway)."""
        self.result = result
        record = result.record
        s = self.selection
        kind = s.kind
        if kind not in record.kinds:
            kind = record.cross_kind if record.cross_kind in record.kinds else (record.kinds[0] if record.kinds else None)
        query = s.query
        if query is not None and kind is not None and query >= record.attention[kind][0].shape[1]:
            query = None
        self.selection = s.replace(
            token=min(s.token, max(0, len(record.tokens) - 1)),
            kind=kind,
            patch=None if s.patch is not None and s.patch >= record.n_patches else s.patch,
            head=min(s.head, max(0, record.heads - 1)),
            query=query,
        )
        self.result_changed.emit()

    def show_saved(self, work, result: ProbeResult, info: ModelInfo) -> None:
        """Show saved work (`result` built from its record) in every view; probing stops until leave_saved()."""
        if self.saved is None:
            self._live_info = self.model_info
        self.saved = work
        self.set_inputs(image=result.image, text=result.text, quiet=True)
        self._apply_model_info(info)
        self.saved_changed.emit()
        self.set_result(result)

    def leave_saved(self, probe: bool = True) -> None:
        """Back to the live model (probing the inputs now on screen when `probe`)."""
        if self.saved is None:
            return
        self.saved = None
        if self._live_info is not None:
            self._apply_model_info(self._live_info)
        self._live_info = None
        self.saved_changed.emit()
        if probe:
            self.inputs_changed.emit()

    @property
    def record(self):
        return None if self.result is None else self.result.record

    @property
    def result_id(self) -> Optional[int]:
        """The probe request the shown record answers: what the views' drawn-state memos are keyed on."""
        return None if self.result is None else self.result.request_id

    def set_busy(self, busy: bool) -> None:
        if busy != self.busy:
            self.busy = busy
            self.busy_changed.emit(busy)

    def post_message(self, text: str, level: str = "info") -> None:
        self.last_message = (text, level)
        self.message.emit(text, level)

    def withdraw_message(self, text: str) -> None:
        if self.last_message[0] == text:
            self.last_message = ("", "info")
        self.message_withdrawn.emit(text)

    # -- focus -----------------------------------------------------------
    def select(self, **changes) -> None:
        """Change token/layer/head/reduction/method/patch/kind/query; one signal naming the keys that moved."""
        new = self.selection.replace(**changes)
        keys = new.changed_from(self.selection)
        if keys:
            self.selection = new
            self.selection_changed.emit(SelectionChange(new, keys))

    # the selection's fields, read as the state's own (writes go through select)
    token = property(lambda self: self.selection.token)
    layer = property(lambda self: self.selection.layer)
    head = property(lambda self: self.selection.head)
    reduction = property(lambda self: self.selection.reduction)
    method = property(lambda self: self.selection.method)
    patch = property(lambda self: self.selection.patch)
    kind = property(lambda self: self.selection.kind)
    query = property(lambda self: self.selection.query)

    @property
    def map_method(self) -> str:
        """The method the maps use now. Gradients are captured only once relevancy is picked;
        until they arrive, the maps show rollout (and say so)."""
        record = self.record
        if self.method == "relevancy" and record is not None and record.grads is None:
            return "rollout"
        return self.method

    @property
    def head_arg(self):
        """What the attention maps take as `head`: an index, or "mean"/"max"/"min"."""
        return self.head if self.reduction == "head" else self.reduction

    def layer_of(self, kind: Optional[str]) -> int:
        """The selected layer clamped to the layers `kind` has (-1 and overshoot mean the last)."""
        record = self.record
        if record is None or kind is None or kind not in record.attention:
            return 0
        n = record.layers(kind)
        return n - 1 if self.layer < 0 or self.layer >= n else self.layer

    def set_display(self, **changes) -> None:
        changed = False
        for key, value in changes.items():
            if key not in ("colormap", "opacity"):
                raise KeyError(key)
            if getattr(self, key) != value:
                setattr(self, key, value)
                changed = True
        if changed:
            self.display_changed.emit()
