"""Late and hybrid fusion: how each unimodal decision (and each fusion level) adds to the match score."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from mmexplorer.attention.record import AttentionRecord
from mmexplorer.gui.pg import pg


class BranchesPanel(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.plot = pg.PlotWidget()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setLabel("bottom", self.tr("unimodal decision k"))
        # short: a rotated formula longer than a small plot is cut off; the formula is in the tooltip
        self.plot.setLabel("left", self.tr("contribution"))
        self.plot.setToolTip(self.tr("Each bar is one unimodal decision's contribution w_k·tanh(img_k)·tanh(txt_k)"))
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.setMinimumHeight(150)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7)
        self.plot.addItem(self.bars)
        self.plot.addLine(y=0, pen=pg.mkPen("#888"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.plot, 1)
        self.contributions = np.zeros(0)

    def show_record(self, record: AttentionRecord) -> bool:
        """Draw the record's branch contributions; False (and hidden) when it has none."""
        branches = record.outputs.get("branches") or {}
        contrib = np.asarray(branches.get("contributions", ()), dtype=float)
        self.setVisible(contrib.size > 0)
        if contrib.size == 0:
            return False
        self.contributions = contrib
        x = np.arange(contrib.size)
        brushes = [pg.mkBrush("#2a7ab9" if v >= 0 else "#d9534f") for v in contrib]
        self.bars.setOpts(x=x, height=contrib, width=0.7, brushes=brushes)
        lines = [self.tr("decision level: Σ contributions = {total} (blue raise the match score, red lower it)").format(
            total=f"{contrib.sum():+.3f}")]
        if "feature_level" in branches:
            lines.insert(0, self.tr("feature level (joint attention) {feature}, decision level {decision}").format(
                feature=f"{float(branches['feature_level']):+.3f}", decision=f"{float(branches['decision_level']):+.3f}"))
        self.summary.setText("\n".join(lines))
        return True
