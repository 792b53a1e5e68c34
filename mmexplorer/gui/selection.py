"""What the views focus on, as one frozen value; a change says which of its keys moved.

The state holds one Selection and replaces it whole; views read it and redraw
only when a key they draw from is among those that changed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Optional

METHODS = ("raw", "rollout", "relevancy")
REDUCTIONS = ("head", "mean", "max", "min")  # "head": the one head selected
KEYS = ("token", "layer", "head", "reduction", "method", "patch", "kind", "query")


@dataclass(frozen=True)
class Selection:
    token: int = 0  # the caption's token whose map is shown
    layer: int = -1  # -1: the last layer
    head: int = 0  # the head, when reduction is "head"
    reduction: str = "mean"  # over heads: one of REDUCTIONS
    method: str = "raw"  # one of METHODS
    patch: Optional[int] = None  # the patch under focus (patch -> token view)
    kind: Optional[str] = None  # the attention set the self-attention view shows
    query: Optional[int] = None  # the matrix row picked in the self-attention view

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r}")
        if self.reduction not in REDUCTIONS:
            raise ValueError(f"unknown reduction {self.reduction!r}")

    def replace(self, **changes) -> "Selection":
        unknown = set(changes) - set(KEYS)
        if unknown:
            raise KeyError(", ".join(sorted(unknown)))
        return dataclasses.replace(self, **changes)

    def changed_from(self, other: "Selection") -> frozenset[str]:
        return frozenset(k for k in KEYS if getattr(self, k) != getattr(other, k))


@dataclass(frozen=True)
class SelectionChange:
    """What selection_changed carries: the new selection and the keys that differ from the one before."""

    selection: Selection
    keys: frozenset[str]

    def touches(self, keys) -> bool:
        return not self.keys.isdisjoint(keys)
