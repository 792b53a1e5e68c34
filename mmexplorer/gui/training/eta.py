"""A time-left estimate that only counts down.

A raw estimate (steps left × seconds per step so far) rises whenever steps
slow down, which reads as the run going backwards. Shown here: the smallest
estimate yet, so it holds still while steps are slow and falls once they speed up.
"""

from __future__ import annotations

import math


class Countdown:
    def __init__(self) -> None:
        self.shown = math.inf

    def reset(self) -> None:
        self.shown = math.inf

    def update(self, step: int, total: int, elapsed: float) -> float:
        """Seconds left to show after `step` of `total` steps took `elapsed` seconds."""
        if step <= 0:
            return self.shown if math.isfinite(self.shown) else 0.0
        estimate = max(0.0, (total - step) * elapsed / step)
        self.shown = min(self.shown, estimate)
        return self.shown
