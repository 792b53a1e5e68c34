"""Layer, head, method, colormap and opacity: what every view reads to redraw from the cached record."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QSlider, QSpinBox, QWidget

from mmexplorer.colormap_names import COLORMAPS
from mmexplorer.gui.state import AppState
from mmexplorer.gui.views.kinds import kind_name
from mmexplorer.gui.widgets.flow_layout import FlowLayout, keep_together

# label -> (method, reduction)
METHOD_CHOICES = {
    QT_TRANSLATE_NOOP("ViewControls", "One head"): ("raw", "head"),
    QT_TRANSLATE_NOOP("ViewControls", "Mean over heads"): ("raw", "mean"),
    QT_TRANSLATE_NOOP("ViewControls", "Max over heads"): ("raw", "max"),
    QT_TRANSLATE_NOOP("ViewControls", "Min over heads"): ("raw", "min"),
    QT_TRANSLATE_NOOP("ViewControls", "Attention rollout (all layers)"): ("rollout", "mean"),
    QT_TRANSLATE_NOOP("ViewControls", "Gradient-weighted relevancy"): ("relevancy", "mean"),
}
METHOD_TIPS = {
    "One head": QT_TRANSLATE_NOOP("ViewControls", "The raw softmax weights of the head picked on the right"),
    "Mean over heads": QT_TRANSLATE_NOOP("ViewControls", "Raw weights averaged over the heads of the layer"),
    "Max over heads": QT_TRANSLATE_NOOP("ViewControls", "For each pair, the strongest head"),
    "Min over heads": QT_TRANSLATE_NOOP("ViewControls", "For each pair, the weakest head"),
    "Attention rollout (all layers)": QT_TRANSLATE_NOOP(
        "ViewControls", "Abnar & Zuidema 2020: attention (plus the residual) multiplied through every layer"),
    "Gradient-weighted relevancy": QT_TRANSLATE_NOOP(
        "ViewControls", "Chefer et al. 2021: attention weighted by its gradient w.r.t. the match score, propagated through every layer"),
}


class ViewControls(QWidget):
    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.state = state
        self.method = QComboBox()
        for index, (label, value) in enumerate(METHOD_CHOICES.items()):
            self.method.addItem(self.tr(label), ":".join(value))  # a plain string: Qt does not round-trip tuples
            self.method.setItemData(index, self.tr(METHOD_TIPS[label]), Qt.ItemDataRole.ToolTipRole)
        self.method.setToolTip(self.tr("How heads and layers are combined into one map"))
        self.method.activated.connect(self._method_picked)
        self.layer = QSpinBox()
        self.layer.setToolTip(self.tr("Layer (PgUp / PgDn)"))
        self.layer.valueChanged.connect(lambda v: state.select(layer=v) if self.layer.isEnabled() else None)
        self.head = QSpinBox()
        self.head.setToolTip(self.tr("Head (for 'One head')"))
        self.head.valueChanged.connect(lambda v: state.select(head=v))
        self.colormap = QComboBox()
        self.colormap.addItems(list(COLORMAPS))
        self.colormap.setToolTip(self.tr("Colormap of every map"))
        self.colormap.currentTextChanged.connect(lambda name: state.set_display(colormap=name))
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setFixedWidth(110)
        self.opacity.setToolTip(self.tr("Opacity of the map over the picture"))
        self.opacity.valueChanged.connect(lambda v: state.set_display(opacity=v / 100))

        self.view = "cross"  # the view on screen (see set_view): what the controls act on
        self.view_widget = None
        # Each attention set keeps its own layer: a layer picked among image self-attention's (in Heads) is not
        # joint attention's layer of the same number in Cross-modal. -1 (the last layer) until one is picked.
        self.layers: dict[str, int] = {}
        self._kind_shown = None  # the set the Layer box stepped through at the last sync
        self._tips = {w: w.toolTip() for w in (self.method, self.layer, self.head, self.colormap)}

        # label and control wrap together: a narrow window gets two lines, never a clipped slider
        layout = FlowLayout(self, spacing=12)
        layout.setContentsMargins(4, 2, 4, 2)
        for label, widget in ((self.tr("Method:"), self.method), (self.tr("Layer:"), self.layer), (self.tr("Head:"), self.head),
                              (self.tr("Colormap:"), self.colormap), (self.tr("Opacity:"), self.opacity)):
            layout.addWidget(keep_together(QLabel(label), widget))
        state.result_changed.connect(self.sync)
        state.selection_changed.connect(self.sync)
        state.display_changed.connect(self.sync)
        self.sync()

    def _method_picked(self, index: int) -> None:
        method, reduction = self.method.itemData(index).split(":")
        self.state.select(method=method, reduction=reduction)

    def set_view(self, name: str, widget=None) -> None:
        self.view, self.view_widget = name, widget
        changed = getattr(widget, "layer_kind_changed", None)  # a view whose own picker changes the set (Heads)
        if changed is not None and not getattr(widget, "_controls_follow", False):
            changed.connect(self._set_switched)
            widget._controls_follow = True
        self._set_switched()

    def _set_switched(self) -> None:
        """The view shown now steps through another attention set (a tab, or Heads' picker): bring back that set's
        own layer, the last one if none was picked."""
        kind = self.layer_kind()
        if kind is not None and kind != self._kind_shown:
            self._kind_shown = kind
            wanted = self.layers.get(kind, -1)
            if wanted != self.state.layer:
                self.state.select(layer=wanted)  # syncs
                return
        self.sync()

    def layer_kind(self):
        """The attention set whose layers the Layer box steps through on the view shown."""
        record = self.state.record
        if record is None:
            return None
        own = getattr(self.view_widget, "layer_kind", None)  # a view that says which set it shows
        if callable(own):
            return own()
        if self.view == "self":
            return self.state.kind
        return record.cross_kind or self.state.kind

    def idle_reasons(self) -> dict:
        """{control: why it does nothing on the view shown}; empty when every control counts."""
        record, s = self.state.record, self.state
        reasons = {}
        if record is None or self.view not in ("cross", "heads") or record.cross_kind is not None:
            if s.method != "raw":
                reasons[self.layer] = self.tr("Rollout and relevancy combine every layer: pick 'One head' or a mean to choose a layer")
            return reasons
        if record.similarity is not None and self.view == "cross":  # dual encoder: a similarity of final embeddings
            why = self.tr("This dual encoder's map is a cosine similarity of final embeddings: there is no layer, head or "
                          "method to pick here (they apply in the Self-attention and Heads views)")
            reasons[self.layer] = reasons[self.method] = reasons[self.head] = why
            reasons[self.colormap] = self.tr("Signed similarities are always drawn with a diverging blue–red colormap, "
                                             "centred on zero; the colormap applies to the other views")
        elif self.view == "cross":  # late fusion: the image branch's map over all its layers
            reasons[self.layer] = self.tr("No cross-modal attention: the map is the image branch's rollout or relevancy "
                                          "through every layer, so there is no layer to pick here")
        return reasons

    def sync(self) -> None:
        """Reflect the state without feeding the changes back."""
        s = self.state
        record = s.record
        kind = self.layer_kind()
        if kind is not None:  # the layer picked is this set's (a kind picked together with a layer keeps both)
            self.layers[kind], self._kind_shown = s.layer, kind
        for widget in (self.method, self.layer, self.head, self.colormap, self.opacity):
            widget.blockSignals(True)
        index = self.method.findData(f"{s.method}:{s.reduction}")
        if index >= 0:
            self.method.setCurrentIndex(index)
        # the layers of the set the view shows, numbered as the view numbers them (0 = nearest the input)
        layers = record.layers(kind) if record is not None and kind in record.attention else 1
        self.layer.setRange(0, max(0, layers - 1))
        self.layer.setValue(s.layer_of(kind))
        self.layer.setSuffix(self.tr(" of 0–{last}").format(last=layers - 1) if layers > 1 else "")
        self.head.setRange(0, max(0, (record.heads if record else 1) - 1))
        self.head.setValue(s.head)
        idle = self.idle_reasons()
        enabled = {self.method: True, self.layer: s.method == "raw", self.head: s.reduction == "head", self.colormap: True}
        for widget, on in enabled.items():
            why = idle.get(widget)
            widget.setEnabled(on and why is None)
            tip = self._tips[widget]
            if widget is self.layer and kind is not None:  # each set has its own layer: say whose this is
                tip = self.tr("Layer of {set} (PgUp / PgDn); each attention set keeps its own").format(set=kind_name(kind))
            widget.setToolTip(tip + ("\n" + self.tr("Does nothing here: ") + why if why else ""))
        self.colormap.setCurrentText(s.colormap)
        self.opacity.setValue(round(s.opacity * 100))
        for widget in (self.method, self.layer, self.head, self.colormap, self.opacity):
            widget.blockSignals(False)
