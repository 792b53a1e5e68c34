"""A vector as a small strip of bars: one bar per value, one highlighted, masked entries crossed; values on hover."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from PySide6.QtWidgets import QVBoxLayout, QWidget

from mmexplorer.gui.pg import pg
from mmexplorer.gui.widgets.labels import wrapped_label

PLAIN, HIGHLIGHT, MASKED = "#9bb7d4", "#e07b39", "#9a9a9a"


class VectorStrip(QWidget):
    def __init__(self, title: str, height: int = 58, parent=None) -> None:
        super().__init__(parent)
        self.title = title
        self.label = wrapped_label(title, lines=1)
        self.plot = pg.PlotWidget()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setFixedHeight(height)
        self.plot.getAxis("left").setWidth(40)
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.getAxis("bottom").setHeight(18)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8, brush=PLAIN, pen=None)
        self.crosses = pg.ScatterPlotItem(symbol="x", size=8, pen=pg.mkPen(MASKED, width=2), brush=None)
        self.plot.addItem(self.bars)
        self.plot.addItem(self.crosses)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.label)
        layout.addWidget(self.plot)
        self.values = np.zeros(0)
        self.names: Optional[Sequence[str]] = None
        self.hover_text = ""
        self.plot.scene().sigMouseMoved.connect(self._moved)

    def set_values(self, values, highlight: Optional[int] = None, masked=None, names: Optional[Sequence[str]] = None,
                   caption: str = "") -> None:
        """Draw `values` [N]; non-finite or `masked` entries are crossed at zero; `names` label them on hover."""
        values = np.asarray(values, dtype=np.float64)
        hidden = ~np.isfinite(values) if masked is None else ~np.asarray(masked, bool) | ~np.isfinite(values)
        shown = np.where(hidden, 0.0, values)
        self.values, self.names = values, names
        brushes = [pg.mkBrush(HIGHLIGHT if i == highlight else PLAIN) for i in range(len(values))]
        self.bars.setOpts(x=np.arange(len(values)), height=shown, width=0.8, brushes=brushes)
        where = np.flatnonzero(hidden)
        self.crosses.setData(x=where.astype(float), y=np.zeros(len(where)))
        low, high = (float(shown.min()), float(shown.max())) if len(shown) else (0.0, 1.0)
        low, high = min(low, 0.0), max(high, 0.0)
        pad = 0.08 * ((high - low) or 1.0)
        self.plot.setRange(xRange=(-0.6, max(len(values), 1) - 0.4), yRange=(low - pad, high + pad), padding=0)
        self.label.setText(f"{self.title}{caption}")

    def text_at(self, i: int) -> str:
        """What hovering entry `i` shows."""
        name = self.names[i] if self.names is not None and i < len(self.names) else f"[{i}]"
        value = self.values[i]
        return f"{name}: {value:+.4f}" if np.isfinite(value) else f"{name}: " + self.tr("masked")

    def _moved(self, scene_pos) -> None:
        if not len(self.values) or not self.plot.sceneBoundingRect().contains(scene_pos):
            return
        x = int(round(self.plot.getViewBox().mapSceneToView(scene_pos).x()))
        if 0 <= x < len(self.values):
            self.hover_text = self.text_at(x)
            self.plot.setToolTip(self.hover_text)
            self.label.setText(f"{self.title}   {self.hover_text}")
