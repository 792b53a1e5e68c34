"""Layer, head, method, colormap and opacity: what every view reads to redraw from the cached record."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSlider, QSpinBox, QWidget

from mmexplorer.gui.pg import COLORMAPS
from mmexplorer.gui.state import AppState

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

        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        for label, widget in ((self.tr("Method:"), self.method), (self.tr("Layer:"), self.layer), (self.tr("Head:"), self.head),
                              (self.tr("Colormap:"), self.colormap), (self.tr("Opacity:"), self.opacity)):
            layout.addWidget(QLabel(label))
            layout.addWidget(widget)
            layout.addSpacing(6)
        layout.addStretch(1)
        state.result_changed.connect(self.sync)
        state.selection_changed.connect(self.sync)
        state.display_changed.connect(self.sync)
        self.sync()

    def _method_picked(self, index: int) -> None:
        method, reduction = self.method.itemData(index).split(":")
        self.state.select(method=method, reduction=reduction)

    def sync(self) -> None:
        """Reflect the state without feeding the changes back."""
        s = self.state
        record = s.record
        for widget in (self.method, self.layer, self.head, self.colormap, self.opacity):
            widget.blockSignals(True)
        index = self.method.findData(f"{s.method}:{s.reduction}")
        if index >= 0:
            self.method.setCurrentIndex(index)
        layers = max((record.layers(k) for k in record.kinds), default=1) if record else 1
        kind = record.cross_kind or s.kind if record else None
        self.layer.setRange(0, max(0, layers - 1))
        self.layer.setValue(s.layer_of(kind) if s.layer < 0 else min(s.layer, layers - 1))
        self.layer.setEnabled(s.method == "raw")
        self.head.setRange(0, max(0, (record.heads if record else 1) - 1))
        self.head.setValue(s.head)
        self.head.setEnabled(s.reduction == "head")
        self.colormap.setCurrentText(s.colormap)
        self.opacity.setValue(round(s.opacity * 100))
        for widget in (self.method, self.layer, self.head, self.colormap, self.opacity):
            widget.blockSignals(False)
