"""Record: one probe's result as the public API hands it out, with the picture it was computed on.

It wraps the engine's AttentionRecord (immutable, numpy only) and adds what a
notebook wants: word maps by word, figures drawn by the export code, a PNG for
Jupyter, and saving to (and reading back from) the probe npz. Nothing here
imports torch.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Union

import numpy as np

from mmexplorer.attention.record import AttentionRecord

NOTEBOOK_DPI = 100  # what a record shows as in Jupyter; saved figures take their own dpi
Word = Union[int, str]


@dataclass(frozen=True)
class Region:
    """A part of the photo the model saw as one grid of patches (today every model sees one)."""

    grid: tuple[int, int]  # (rows, cols) of patches
    box: tuple[float, float, float, float]  # [x0, y0, x1, y1] in the photo's pixels that the grid covers


class Record:
    """What one probe captured: tokens, regions, attention sets, maps and outputs (read-only arrays)."""

    def __init__(self, record: AttentionRecord, image: Optional[np.ndarray] = None, source: str = "") -> None:
        self._record = record
        if image is not None:
            image = np.ascontiguousarray(image)
            image.setflags(write=False)
        self._image = image
        self.source = source  # the file it was read from ("" for a fresh probe)

    # -- what the model saw ------------------------------------------------
    @property
    def model(self) -> str:
        """The model's name, as it was picked (catalog name, folder, hub id, or the wrapped model's name)."""
        return self._record.model

    @property
    def fusion(self) -> str:
        return self._record.fusion

    @property
    def text(self) -> str:
        return str(self._record.meta.get("text", ""))

    @property
    def image(self) -> Optional[np.ndarray]:
        """The picture probed, uint8 [H, W, 3], or None when the file it was read from had none."""
        return self._image

    @property
    def image_size(self) -> tuple[int, int]:
        """(width, height) of the picture probed."""
        return tuple(self._record.image_size)

    @property
    def tokens(self) -> tuple[str, ...]:
        """The text's tokens as shown to the user (sub-word pieces included)."""
        return self._record.tokens

    @property
    def words(self) -> tuple[str, ...]:
        """Whole words: each word's pieces joined ("sit" + "##ting" -> "sitting")."""
        return tuple(_join(self.tokens[a:b]) for a, b in self._spans())

    @property
    def grid(self) -> tuple[int, int]:
        return tuple(self._record.grid)

    @property
    def regions(self) -> tuple[Region, ...]:
        return (Region(self.grid, tuple(self._record.image_box)),)

    # -- the numbers ---------------------------------------------------------
    @property
    def attention(self) -> Mapping[str, tuple[np.ndarray, ...]]:
        """kind -> per-layer weights float32 [heads, queries, keys]; kinds: joint, text, image, text_to_image, image_to_text."""
        return self._record.attention

    @property
    def gradients(self) -> Optional[Mapping[str, tuple[np.ndarray, ...]]]:
        """d(match score)/d(attention), shaped as `attention`; None when probed without relevancy."""
        return self._record.grads

    @property
    def layouts(self) -> Mapping:
        """kind -> (query segments, key segments): (modality, start, stop) runs naming every axis position."""
        return self._record.layouts

    @property
    def cross_kind(self) -> Optional[str]:
        """The attention set whose text rows over image columns is cross-modal; None for dual encoders and late fusion."""
        return self._record.cross_kind

    @property
    def token_to_image(self) -> np.ndarray:
        """float32 [tokens, rows, cols]: the map the explorer shows first for each token."""
        return self._record.token_to_image

    @property
    def similarity(self) -> Optional[np.ndarray]:
        """float32 [tokens, rows, cols]: token-patch cosine similarity (dual encoders), else None."""
        return self._record.similarity

    @property
    def outputs(self) -> Mapping:
        """The model's answer: match probability or logit, classes, branch decisions."""
        return self._record.outputs

    @property
    def meta(self) -> Mapping:
        """Device, timings, versions, the model's config and preprocessing."""
        return self._record.meta

    def layers(self, kind: str) -> int:
        return self._record.layers(kind)

    @property
    def heads(self) -> int:
        return self._record.heads

    @property
    def attention_record(self) -> AttentionRecord:
        """The engine's record underneath (what the explorer and the exporters draw)."""
        return self._record

    # -- maps and figures ----------------------------------------------------
    def word_index(self, word: Word) -> int:
        """The index among `words` of a word given by index, as written (any case), or by one of its tokens."""
        words = self.words
        if isinstance(word, (int, np.integer)):
            if not 0 <= int(word) < len(words):
                raise ValueError(f"word {word} is out of range: the text has {len(words)} word(s)")
            return int(word)
        wanted = str(word).strip().casefold()
        for i, w in enumerate(words):
            if w.casefold() == wanted:
                return i
        for i, (a, b) in enumerate(self._spans()):
            if any(t.casefold() == wanted for t in self.tokens[a:b]):
                return i
        raise ValueError(f"{word!r} is not in the text; its words are: {' '.join(words)}")

    def word_map(self, word: Word, layer: Optional[int] = None, head: Union[int, str] = "mean",
                 method: str = "raw") -> np.ndarray:
        """float [rows, cols]: where `word` looks in the picture (its pieces' maps averaged).

        method: "raw" (one layer, `head` an index or "mean"/"max"/"min"), "rollout" or "relevancy"
        (every layer). For dual encoders "raw" is the token-patch cosine similarity.
        """
        from mmexplorer.attention.maps import METHODS, word_image_map

        if method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
        if method == "relevancy" and self.gradients is None:
            raise ValueError("this record was probed without relevancy (no gradients); probe with relevancy=True")
        if not self.attention and self.similarity is None:
            raise ValueError("this record holds only its stored maps (a results store kept with --keep maps); "
                             "read record.token_to_image")
        if isinstance(head, (int, np.integer)) and not 0 <= int(head) < self.heads:
            raise ValueError(f"head {head} is out of range: the model has {self.heads} head(s)")
        if layer is not None and self.cross_kind is not None and not 0 <= layer < self.layers(self.cross_kind):
            raise ValueError(f"layer {layer} is out of range: {self.cross_kind!r} has {self.layers(self.cross_kind)} layer(s)")
        values, _ = word_image_map(self._record, self.word_index(word), layer, head, method)
        return np.asarray(values)

    def figure(self, view: str = "overlay", token: Optional[Word] = None, layer: Optional[int] = None,
               head: Union[int, str] = "mean", method: str = "raw", kind: Optional[str] = None,
               patch: Optional[int] = None, colormap: str = "inferno", levels=None, opacity: float = 0.85,
               picture: str = "colour", dpi: int = 300):
        """A matplotlib Figure of one view, drawn by the same code as `mmexplorer export` with the same flags.

        view: overlay, matrix, heads, positions, patches. token: a token index or the word. `dpi` is
        what the figure is saved at by mmexplorer's exporters (Figure.savefig takes its own).
        """
        from mmexplorer.export.figures import render_figure
        from mmexplorer.export.settings import FigureSettings, parse_levels

        settings = FigureSettings(view=view, token=token, layer=layer, head=head, method=method, kind=kind, patch=patch,
                                  dpi=dpi, colormap=colormap, levels=parse_levels(levels), opacity=opacity, picture=picture)
        return _shown_in_jupyter(render_figure(self._record, self._image, settings))

    def _repr_png_(self) -> Optional[bytes]:
        """Jupyter shows a record as its default view (the first word's map over the picture)."""
        from mmexplorer.export.save import figure_bytes

        try:
            fig = self.figure() if self.attention or self.similarity is not None else self.figure(view="patches")
        except ValueError:
            return None  # Jupyter then shows the text form
        return figure_bytes(fig, "png", NOTEBOOK_DPI)

    def __repr__(self) -> str:
        rows, cols = self.grid
        return (f"<mmexplorer.Record {self.model} ({self.fusion}): {len(self.tokens)} tokens, grid {rows}x{cols}, "
                f"{', '.join(f'{k} x{self.layers(k)}' for k in self.attention) or 'maps only'}>")

    # -- files -----------------------------------------------------------------
    def save(self, path: Union[str, os.PathLike]) -> Path:
        """Write the probe npz (the `mmexplorer probe --out` contract), with the picture under `image`."""
        from mmexplorer.attention.npz import save_record

        return save_record(self._record, path, self._image)

    def _spans(self) -> list[tuple[int, int]]:
        from mmexplorer.attention.maps import word_spans_of

        return word_spans_of(self._record)


def _shown_in_jupyter(fig):
    """Jupyter shows the figure as a PNG by itself (pyplot's inline backend is never involved: figures are plain objects)."""
    from mmexplorer.export.save import figure_bytes

    fig._repr_png_ = lambda: figure_bytes(fig, "png", NOTEBOOK_DPI)
    return fig


def _join(pieces) -> str:
    """A word from its pieces as tokenizers mark them (WordPiece "##", SentencePiece "▁", byte-level "Ġ")."""
    text = "".join(p[2:] if p.startswith("##") else p for p in pieces)
    return text.replace("\u2581", "").replace("\u0120", "").strip() or "".join(pieces)


def open_record(path: Union[str, os.PathLike]) -> Record:
    """Read a probe npz (`mmexplorer probe --out`, `Record.save`) back; never unpickles anything.

    Raises ValueError (a ProbeFileError) saying why a file is not a probe npz.
    """
    from mmexplorer.attention.npz import load_record_and_picture

    record, picture = load_record_and_picture(path)
    return Record(record, picture, str(path))
