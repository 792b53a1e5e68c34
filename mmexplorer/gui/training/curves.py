"""Live loss and matching-accuracy curves (pyqtgraph), appended to without redrawing from scratch."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QBoxLayout, QWidget

import mmexplorer.gui.pg  # noqa: F401  (configures pyqtgraph once)


SMOOTHING = 20  # steps in the running mean the accuracy curves and the status line show


class Curves(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.box = layout
        self.loss_plot = pg.PlotWidget(title=self.tr("loss"))
        self.loss_plot.setLabel("bottom", self.tr("step"))
        self.acc_plot = pg.PlotWidget(title=self.tr("matching accuracy"))
        self.acc_plot.setLabel("bottom", self.tr("step"))
        self.acc_plot.setYRange(0, 1)
        self.acc_plot.addLegend(offset=(-10, 10))
        layout.addWidget(self.loss_plot)
        layout.addWidget(self.acc_plot)
        self.loss_curve = self.loss_plot.plot(pen=pg.mkPen("#1f77b4", width=1.5))
        self.acc_curve = self.acc_plot.plot(pen=pg.mkPen("#2ca02c", width=1.5), name=self.tr("all pairs"))
        self.hard_curve = self.acc_plot.plot(pen=pg.mkPen("#d62728", width=1.5), name=self.tr("hard negatives"))
        self.clear()

    STACK_BELOW = 640  # narrower than this, the two charts stack so both keep readable axes

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        wanted = QBoxLayout.Direction.TopToBottom if self.width() < self.STACK_BELOW else QBoxLayout.Direction.LeftToRight
        if self.box.direction() != wanted:
            self.box.setDirection(wanted)

    def clear(self) -> None:
        self.steps: list[int] = []
        self.loss: list[float] = []
        self.acc: list[float] = []
        self.hard: list[float] = []
        for c in (self.loss_curve, self.acc_curve, self.hard_curve):
            c.setData([], [])

    @staticmethod
    def _smooth(values: list[float], window: int = SMOOTHING) -> np.ndarray:
        """Running mean over the last `window` steps (per-step accuracy of one batch is noisy)."""
        v = np.asarray(values, dtype=float)
        ok = ~np.isnan(v)
        csum = np.cumsum(np.where(ok, v, 0.0))
        cnt = np.cumsum(ok)
        lo = np.maximum(np.arange(len(v)) - window, -1)
        s = csum - np.where(lo >= 0, csum[lo], 0.0)
        n = cnt - np.where(lo >= 0, cnt[lo], 0)
        return np.where(n > 0, s / np.maximum(n, 1), np.nan)

    def append(self, step: int, loss: float, accuracy: float, hard_accuracy: float) -> None:
        self.steps.append(step)
        self.loss.append(loss)
        self.acc.append(accuracy)
        self.hard.append(hard_accuracy if not math.isnan(hard_accuracy) else float("nan"))
        x = np.asarray(self.steps)
        self.loss_curve.setData(x, np.asarray(self.loss))
        self.acc_curve.setData(x, self._smooth(self.acc))
        self.hard_curve.setData(x, self._smooth(self.hard), connect="finite")

    def latest(self) -> tuple[float, float]:
        """(accuracy, hard-negative accuracy) as the curves show them now: running means, NaN if none yet."""
        def last(values):
            smooth = self._smooth(values, SMOOTHING)
            finite = smooth[~np.isnan(smooth)]
            return float(finite[-1]) if finite.size else float("nan")
        return last(self.acc), last(self.hard)

    def point_count(self) -> int:
        return len(self.steps)
