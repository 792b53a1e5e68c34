"""A time-left estimate that counts down steadily and follows the run's recent pace.

Steps left × seconds per step *so far* lags behind a run whose pace changes (a
machine that gets busier), and showing only the smallest estimate yet held the
figure still for many steps when steps slowed, then let it drop by half at
once. Shown here: the estimate from the pace of the last WINDOW steps, reached
gradually; between updates the figure counts down by the time that passed, so
it moves like a clock and changes course without jumps.
"""

from __future__ import annotations

import math
from collections import deque

WINDOW = 20  # steps whose pace predicts the rest
FOLLOW = 0.25  # share of the gap to the new estimate closed at each update


class Countdown:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.shown = math.inf
        self._recent: deque = deque(maxlen=WINDOW + 1)  # (step, elapsed)

    def update(self, step: int, total: int, elapsed: float) -> float:
        """Seconds left to show after `step` of `total` steps took `elapsed` seconds."""
        if step <= 0:
            return self.shown if math.isfinite(self.shown) else 0.0
        last = self._recent[-1] if self._recent else None
        self._recent.append((step, elapsed))
        first_step, first_elapsed = self._recent[0]
        if step > first_step:
            per_step = (elapsed - first_elapsed) / (step - first_step)
        else:
            per_step = elapsed / step
        estimate = max(0.0, (total - step) * per_step)
        if not math.isfinite(self.shown) or last is None:
            self.shown = estimate
        else:
            ticked = max(0.0, self.shown - max(0.0, elapsed - last[1]))  # the clock ran since the last update
            self.shown = ticked + FOLLOW * (estimate - ticked)
        return self.shown
