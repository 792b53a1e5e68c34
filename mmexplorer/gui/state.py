"""The explorer's state: inputs, catalog, the current result and what the views focus on.

Evented (every change emits a signal) so views stay independent of each
other and of the main window; nothing here touches a widget or a model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from PySide6.QtCore import QObject, Signal

from mmexplorer.data.tokenizer import Encoding, Tokenizer
from mmexplorer.gui.qtfix import protect

if TYPE_CHECKING:  # numpy behind them: the window is on screen before it is imported
    from mmexplorer.data.image import LoadedImage
    from mmexplorer.gui.messages import Catalog, ModelInfo, ProbeResult

protect()  # before the first emit: see qtfix for the PySide6 fault it guards against

METHODS = ("raw", "rollout", "relevancy")
REDUCTIONS = ("head", "mean", "max", "min")  # "head": the one head selected


class AppState(QObject):
    inputs_changed = Signal()  # image, text, model or device: a new probe is needed
    image_changed = Signal()
    text_changed = Signal()
    catalog_changed = Signal()
    model_info_changed = Signal()
    fusion_models_changed = Signal()  # the user's pick of a model for a fusion button
    result_changed = Signal()
    selection_changed = Signal()  # token, layer, head, reduction, method, patch, kind, query
    display_changed = Signal()  # colormap, opacity
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
        self.busy = False
        # focus
        self.token = 0
        self.layer = -1  # -1: the last layer
        self.head = 0
        self.reduction = "mean"
        self.method = "raw"
        self.patch: Optional[int] = None
        self.kind: Optional[str] = None  # attention set shown by the self-attention view
        self.query: Optional[int] = None  # matrix row picked in the self-attention view
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
        self.result = result
        record = result.record
        self.token = min(self.token, max(0, len(record.tokens) - 1))
        if self.kind not in record.kinds:
            self.kind = record.cross_kind if record.cross_kind in record.kinds else (record.kinds[0] if record.kinds else None)
        if self.patch is not None and self.patch >= record.n_patches:
            self.patch = None
        self.head = min(self.head, max(0, record.heads - 1))
        if self.query is not None and self.kind is not None and self.query >= record.attention[self.kind][0].shape[1]:
            self.query = None
        self.result_changed.emit()

    @property
    def record(self):
        return None if self.result is None else self.result.record

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
        """Change token/layer/head/reduction/method/patch/kind/query; one signal for all of them."""
        changed = False
        for key, value in changes.items():
            if key not in ("token", "layer", "head", "reduction", "method", "patch", "kind", "query"):
                raise KeyError(key)
            if key == "method" and value not in METHODS:
                raise ValueError(f"unknown method {value!r}")
            if key == "reduction" and value not in REDUCTIONS:
                raise ValueError(f"unknown reduction {value!r}")
            if getattr(self, key) != value:
                setattr(self, key, value)
                changed = True
        if changed:
            self.selection_changed.emit()

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
