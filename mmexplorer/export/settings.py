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

import numpy as np

from mmexplorer import colours
from mmexplorer.attention.levels import SIMILARITY_LEVELS, matrix_levels, token_map_levels
from mmexplorer.attention.maps import METHODS
from mmexplorer.attention.record import AttentionRecord
from mmexplorer.export.errors import ExportError

HEAD_CHOICES = ("mean", "max", "min")
DEFAULT_DPI = 300
PICTURES = ("colour", "grey")  # the picture under a map: as on screen, or a grey underlay (publication style)
DEFAULT_OPACITY = 0.85  # the explorer's default

# Which settings each view reads; the rest are cleared when resolving.
_VIEW_FIELDS = {
    "overlay": {"token", "layer", "head", "method"},
    "matrix": {"kind", "layer", "head", "token"},
    "heads": {"token", "kind"},
    "positions": {"patch"},
    "patches": {"patch"},
}


@dataclass(frozen=True)
class FigureSettings:
    view: str = "overlay"  # overlay | matrix | heads | positions | patches
    token: Union[int, str, None] = None  # word index or the word's text; None: the first word
    layer: Optional[int] = None  # None: the last layer of the attention set the view shows
    head: Union[int, str] = "mean"  # head index, or "mean" / "max" / "min" over heads
    method: str = "raw"  # raw | rollout | relevancy (overlay only)
    kind: Optional[str] = None  # attention set of the matrix view (None: the cross-modal one, else the image encoder's); heads: show its matrices
    patch: Optional[int] = None  # positions: the patch compared with all others (None: centre); patches: highlighted
    dpi: int = DEFAULT_DPI
    # how the maps are coloured, as on screen
    colormap: str = "inferno"  # one of mmexplorer.colours.COLORMAPS
    levels: Optional[tuple[float, float]] = None  # the colour scale (lo, hi); None: the view's fixed screen levels
    opacity: float = DEFAULT_OPACITY  # of a map laid over the picture
    picture: str = "colour"  # the picture under a map: "colour" or "grey"

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["levels"] = None if self.levels is None else [float(v) for v in self.levels]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "FigureSettings":
        """Settings from a stored dict (a bundle's settings.json), each value's type checked: ExportError naming
        the field otherwise (a list for view, "top" or 1e999 for layer, "lots" for dpi...)."""
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for name, value in values.items():
            problem = _type_problem(name, value)
            if problem:
                raise ExportError(f"setting {name} must be {problem}, not {_shown(value)}")
        if values.get("levels") is not None:
            values["levels"] = tuple(float(v) for v in values["levels"])
        return cls(**values)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return (_is_int(value) or isinstance(value, float)) and np.isfinite(float(value))


# name -> (a test of a stored value, what it must be, in words)
_STORED_TYPES = {
    "view": (lambda v: isinstance(v, str), "a view name"),
    "token": (lambda v: v is None or _is_int(v) or isinstance(v, str), "a word index, a word or null"),
    "layer": (lambda v: v is None or _is_int(v), "a whole number or null"),
    "head": (lambda v: _is_int(v) or isinstance(v, str), "a head index or mean, max or min"),
    "method": (lambda v: isinstance(v, str), "a method name"),
    "kind": (lambda v: v is None or isinstance(v, str), "an attention set's name or null"),
    "patch": (lambda v: v is None or _is_int(v), "a whole number or null"),
    "dpi": (lambda v: _is_int(v), "a whole number"),
    "colormap": (lambda v: isinstance(v, str), "a colormap name"),
    "levels": (lambda v: v is None or (isinstance(v, list) and len(v) == 2 and all(map(_is_number, v))),
               "two finite numbers [lo, hi] or null"),
    "opacity": (_is_number, "a number between 0 and 1"),
    "picture": (lambda v: isinstance(v, str), "colour or grey"),
}


def _type_problem(name: str, value) -> Optional[str]:
    test, words = _STORED_TYPES[name]
    return None if test(value) else words


def _shown(value) -> str:
    """A stored value in a message: short, whatever it holds."""
    import json

    text = json.dumps(value, ensure_ascii=True) if not isinstance(value, float) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_head(text: Union[int, str]) -> Union[int, str]:
    """'mean' / 'max' / 'min' stay names; '2' becomes head 2."""
    if isinstance(text, int):
        return text
    value = str(text).strip().lower()
    if value in HEAD_CHOICES:
        return value
    if value.isdigit():
        return int(value)
    raise ExportError(f"head must be a head index, 'mean', 'max' or 'min', not {text!r}")


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
    if not record.kinds:  # a generative model's record: its attention is the answer's rows, not a set of matrices
        raise ExportError(f"this {record.fusion} record holds no attention sets to draw as a matrix or heads; its answer "
                          "tokens' rows are in the probe file (answer_attn/*, see the README)")
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


def parse_levels(text: Union[str, tuple, list, None]) -> Optional[tuple[float, float]]:
    """'LO,HI' (or a pair) -> (lo, hi); 'auto' or None -> None (the view's screen levels)."""
    if text is None or (isinstance(text, str) and text.strip().lower() == "auto"):
        return None
    try:
        parts = [float(v) for v in (text.split(",") if isinstance(text, str) else text)]
    except (TypeError, ValueError):
        raise ExportError(f"levels must be LO,HI (two numbers) or auto, not {text!r}") from None
    if len(parts) != 2 or not all(map(np.isfinite, parts)) or not parts[0] < parts[1]:
        raise ExportError(f"levels must be two finite numbers LO,HI with LO < HI, not {text!r}")
    return parts[0], parts[1]


def screen_levels(record: AttentionRecord, settings: "FigureSettings") -> Optional[tuple[float, float]]:
    """The fixed levels the explorer's view shows for these (resolved) settings; None: the view has no map."""
    view = settings.view
    if view == "overlay":
        return token_map_levels(record, settings.method, settings.head)
    if view == "matrix":
        return matrix_levels(record, settings.kind)
    if view == "heads":
        return token_map_levels(record, "raw", 0) if settings.kind is None else matrix_levels(record, settings.kind)
    if view == "positions":
        return SIMILARITY_LEVELS
    return None


def _check_display(settings: "FigureSettings") -> None:
    if settings.colormap not in colours.COLORMAPS:
        raise ExportError(f"colormap must be one of {', '.join(colours.COLORMAPS)}, not {settings.colormap!r}")
    if settings.picture not in PICTURES:
        raise ExportError(f"picture must be one of {', '.join(PICTURES)}, not {settings.picture!r}")
    try:
        opacity = float(settings.opacity)
    except (TypeError, ValueError):
        opacity = float("nan")
    if not 0.0 <= opacity <= 1.0:
        raise ExportError(f"opacity must be between 0 and 1, not {settings.opacity!r}")


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
    elif view == "heads":
        # word -> patches of every head when the model has cross-modal attention, unless an
        # attention set is asked for; otherwise every head's matrix (as the explorer's heads tab)
        if settings.kind is not None or record.cross_kind is None:
            kind = resolve_kind(record, settings.kind)
            token = None
    patch = resolve_patch(record, settings.patch, default_centre=view == "positions") if "patch" in used else None
    _check_display(settings)
    resolved = FigureSettings(
        view=view,
        token=token,
        layer=layer,
        head=head if "head" in used else "mean",
        method=method,
        kind=kind,
        patch=patch,
        dpi=int(settings.dpi),
        colormap=settings.colormap,
        opacity=float(settings.opacity),
        picture=settings.picture,
    )
    levels = parse_levels(settings.levels) if settings.levels is not None else screen_levels(record, resolved)
    return dataclasses.replace(resolved, levels=None if levels is None else (float(levels[0]), float(levels[1])))
