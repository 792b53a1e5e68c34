"""Late fusion's decision-level view: each branch's latent decisions and what they add to the match logit.

The model scores a pair as sum_k w_k * tanh(img_k) * tanh(txt_k) + b, so the
contributions (one per decision k) are exactly how the two branches combine.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
from matplotlib.figure import SubFigure

_IMAGE_COLOR = "#1f77b4"
_TEXT_COLOR = "#ff7f0e"
_POSITIVE = "#2c7bb6"
_NEGATIVE = "#d7191c"


def has_branches(outputs: Mapping) -> bool:
    branches = outputs.get("branches") or {}
    return all(k in branches for k in ("image_decision", "text_decision", "contributions"))


def draw_branches(sub: SubFigure, outputs: Mapping) -> None:
    """Two stacked panels in `sub`: decisions per branch (top), contribution per decision (bottom)."""
    branches = outputs["branches"]
    image = np.asarray(branches["image_decision"], dtype=float)  # [K] in (-1, 1)
    text = np.asarray(branches["text_decision"], dtype=float)  # [K]
    contrib = np.asarray(branches["contributions"], dtype=float)  # [K]
    k = np.arange(len(contrib))
    top, bottom = sub.subplots(2, 1, sharex=True, height_ratios=(1, 1.2))

    top.axhline(0, color="0.75", lw=0.5)
    top.plot(k, image, "o", ms=3, color=_IMAGE_COLOR, label="image branch")
    top.plot(k, text, "^", ms=3, color=_TEXT_COLOR, label="text branch")
    top.set_ylim(-1.05, 1.05)
    top.set_ylabel("decision (tanh)")
    top.legend(frameon=False, loc="upper left", bbox_to_anchor=(0, 1.25), ncol=2, handletextpad=0.2, columnspacing=0.8)

    bottom.axhline(0, color="0.4", lw=0.5)
    bottom.bar(k, contrib, width=0.7, color=np.where(contrib >= 0, _POSITIVE, _NEGATIVE))
    bottom.set_ylabel("contribution\nto match logit")
    bottom.set_xlabel("decision k")
    bottom.set_xticks(k[:: max(1, len(k) // 8)])
    logit = outputs.get("match_logit")
    prob = outputs.get("match_prob")
    summary = f"Σ = {contrib.sum():+.2f}"
    if logit is not None and prob is not None:
        summary += f";  logit {logit:+.2f},  P(match) {prob:.2f}"
    bottom.set_title(summary.replace("-", "\u2212"), fontsize=7, loc="left")  # a typographic minus, as on the axes
    sub.suptitle("late fusion: unimodal decisions combined", fontsize=8)
