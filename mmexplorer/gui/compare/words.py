"""One word across models that split the caption differently: found by its characters, never by position.

A model that knows 圆形 reads 一个红色圆形 as four tokens; one that does not
reads it per character. Token 3 is 圆形 in one and 红 in the other, so the
compare panel names a word by its character span [start, end) in the caption
and shows, for each model, the map of that model's tokens overlapping the span
(the mean of their maps when the model split the word into pieces).

Spans come from the record's meta["char_spans"] (engine/probe.py); a record
without them is aligned by finding each token's text in the caption, in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Sequence

if TYPE_CHECKING:  # the unknown-words banner reads spans before the window has imported numpy
    import numpy as np


@dataclass(frozen=True)
class Word:
    text: str  # the caption's own characters
    start: int  # [start, end) in the caption
    end: int

    def overlaps(self, start: int, end: int) -> bool:
        return end > start and start < self.end and end > self.start


def _aligned(tokens: Sequence[str], text: str) -> list[tuple[int, int]]:
    """Spans of tokens found in `text` left to right ([0, 0] for a token not found there, e.g. [SEP])."""
    out, pos = [], 0
    folded = text.casefold()
    for tok in tokens:
        piece = tok.removeprefix("##").replace("\u2581", "").strip().casefold()
        at = folded.find(piece, pos) if piece else -1
        if at < 0:
            out.append((0, 0))
        else:
            out.append((at, at + len(piece)))
            pos = at + len(piece)
    return out


def token_spans(record, text: str) -> list[tuple[int, int]]:
    """[start, end) in `text` of each of the record's tokens."""
    spans = record.meta.get("char_spans")
    if spans and len(spans) == len(record.tokens):
        return [(int(a), int(b)) for a, b in spans]
    return _aligned(record.tokens, text)


def words_of(record, text: str) -> list[Word]:
    """The caption's words as `record`'s model reads them, one per token as the explorer's chips show them
    (special tokens, which cover no characters, left out)."""
    return [Word(text[a:b], a, b) for a, b in token_spans(record, text) if b > a]


def word_of_token(record, text: str, token: int) -> Optional[Word]:
    """The word that holds token `token` of `record` (None for a special token or one out of range)."""
    spans = token_spans(record, text)
    if not 0 <= token < len(spans) or spans[token][1] <= spans[token][0]:
        return None
    a, b = spans[token]
    return Word(text[a:b], a, b)


def tokens_for(record, text: str, word: Word) -> list[int]:
    """`record`'s tokens that overlap `word`'s characters (several when that model split it into pieces)."""
    return [t for t, (a, b) in enumerate(token_spans(record, text)) if word.overlaps(a, b)]


def word_map(record, text: str, word: Word) -> Optional[tuple[np.ndarray, list[int]]]:
    """(the [rows, cols] map of `word` in `record`: the mean of its tokens' default maps, those tokens),
    or None when this model has no token there (it cut the caption before the word)."""
    import numpy as np

    tokens = tokens_for(record, text, word)
    if not tokens:
        return None
    return np.asarray(record.token_to_image[tokens], dtype=np.float32).mean(0), tokens
