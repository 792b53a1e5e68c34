"""What a figure shows, and how loose user settings become concrete ones for one record.

A FigureSettings can say "token 'red'", "last layer", "centre patch"; after
`resolve_settings` every field the view uses is a concrete number or name,
so the same settings reproduce the same figure (and are what a bundle stores).
Fields the view does not use come back as None.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Optional, Union

from mmexplorer.attention.maps import METHODS
from mmexplorer.attention.record import AttentionRecord
from mmexplorer.export.errors import ExportError

HEAD_CHOICES = ("mean", "max")
DEFAULT_DPI = 300

# Which settings each view reads; the rest are cleared when resolving.
_VIEW_FIELDS = {
    "overlay": {"token", "layer", "head", "method"},
    "matrix": {"kind", "layer", "head", "token"},
    "heads": {"token"},
    "positions": {"patch"},
    "patches": {"patch"},
}


@dataclass(frozen=True)
class FigureSettings:
    view: str = "overlay"  # overlay | matrix | heads | positions | patches
    token: Union[int, str, None] = None  # word index or the word's text; None: the first word
    layer: Optional[int] = None  # None: the last layer of the attention set the view shows
    head: Union[int, str] = "mean"  # head index, or "mean" / "max" over heads
    method: str = "raw"  # raw | rollout | relevancy (overlay only)
    kind: Optional[str] = None  # attention set of the matrix view; None: the cross-modal one, else the image encoder's
    patch: Optional[int] = None  # positions: the patch compared with all others (None: centre); patches: highlighted
    dpi: int = DEFAULT_DPI

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "FigureSettings":
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def parse_head(text: Union[int, str]) -> Union[int, str]:
    """'mean' / 'max' stay names; '2' becomes head 2."""
    if isinstance(text, int):
        return text
    value = str(text).strip().lower()
    if value in HEAD_CHOICES:
        return value
    if value.isdigit():
        return int(value)
    raise ExportError(f"head must be a head index, 'mean' or 'max', not {text!r}")


def resolve_token(record: AttentionRecord, token: Union[int, str, None]) -> int:
    """A word index from an index, a digit string, or the word itself (first occurrence, any case)."""
    n = len(record.tokens)
    if n == 0:
        raise ExportError("the text has no words, so there is no token to show")
    if token is None:
        return 0
    if isinstance(token, str) and token.strip().lstrip("-").isdigit():
        token = int(token.strip())
    if isinstance(token, int):
        if not 0 <= token < n:
            raise ExportError(f"token {token} is out of range: the text has {n} word(s), 0..{n - 1}")
        return token
    wanted = token.strip().lower()
    for i, word in enumerate(record.tokens):
        if word.lower() == wanted:
            return i
    raise ExportError(f"token {token!r} is not in the text; its words are: {' '.join(record.tokens)}")


def resolve_head(record: AttentionRecord, head: Union[int, str]) -> Union[int, str]:
    head = parse_head(head)
    if isinstance(head, int) and not 0 <= head < record.heads:
        raise ExportError(f"head {head} is out of range: the model has {record.heads} head(s), 0..{record.heads - 1}")
    return head


def default_kind(record: AttentionRecord) -> str:
    """The cross-modal attention set when there is one, otherwise the image encoder's self-attention."""
    if record.cross_kind is not None:
        return record.cross_kind
    return "image" if "image" in record.attention else record.kinds[0]


def resolve_kind(record: AttentionRecord, kind: Optional[str]) -> str:
    if kind is None:
        return default_kind(record)
    if kind not in record.attention:
        raise ExportError(f"this {record.fusion} model has no {kind!r} attention; it has: {', '.join(record.kinds)}")
    return kind


def resolve_layer(record: AttentionRecord, kind: str, layer: Optional[int]) -> int:
    n = record.layers(kind)
    if layer is None:
        return n - 1
    if not 0 <= int(layer) < n:
        raise ExportError(f"layer {layer} is out of range: {kind!r} attention has {n} layer(s), 0..{n - 1}")
    return int(layer)


def resolve_patch(record: AttentionRecord, patch: Optional[int], default_centre: bool) -> Optional[int]:
    rows, cols = record.grid
    if patch is None:
        return (rows // 2) * cols + cols // 2 if default_centre else None
    if not 0 <= int(patch) < record.n_patches:
        raise ExportError(f"patch {patch} is out of range: the grid has {record.n_patches} patches, 0..{record.n_patches - 1}")
    return int(patch)


def resolve_method(record: AttentionRecord, method: str) -> str:
    if method not in METHODS:
        raise ExportError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if method == "relevancy" and record.grads is None:
        raise ExportError("this record was captured without gradients, so relevancy is not available")
    return method


def resolve_settings(record: AttentionRecord, settings: FigureSettings) -> FigureSettings:
    """Concrete settings for `record`; raises ExportError for anything that does not fit it."""
    view = settings.view
    if view not in _VIEW_FIELDS:
        raise ExportError(f"unknown view {view!r}; expected one of {', '.join(_VIEW_FIELDS)}")
    if settings.dpi is None or not 10 <= int(settings.dpi) <= 2400:
        raise ExportError(f"dpi must be between 10 and 2400, not {settings.dpi}")
    used = _VIEW_FIELDS[view]
    method = resolve_method(record, settings.method)
    if view != "overlay" and method != "raw":
        raise ExportError(f"the {view} view shows raw weights; --method {method} applies to the overlay view")
    head = resolve_head(record, settings.head)
    # the matrix outlines a word only when asked; without cross-modal attention the heads view shows no word
    wants_token = "token" in used and not (view == "matrix" and settings.token is None)
    wants_token = wants_token and not (view == "heads" and record.cross_kind is None)
    token = resolve_token(record, settings.token) if wants_token else None
    kind = layer = None
    if view == "matrix":
        kind = resolve_kind(record, settings.kind)
        layer = resolve_layer(record, kind, settings.layer)
    elif view == "overlay" and method == "raw" and record.cross_kind is not None:
        layer = resolve_layer(record, record.cross_kind, settings.layer)
    patch = resolve_patch(record, settings.patch, default_centre=view == "positions") if "patch" in used else None
    return FigureSettings(
        view=view,
        token=token,
        layer=layer,
        head=head if "head" in used else "mean",
        method=method,
        kind=kind,
        patch=patch,
        dpi=int(settings.dpi),
    )
