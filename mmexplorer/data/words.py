"""Which tokens make up one word: subword pieces ("sit" + "##s", "▁sit" + "ting") grouped back.

word_spans(tokens) -> [(first, stop), ...] over token indices, one per word,
in order. WordPiece continues a word with "##"; SentencePiece-style pieces
start one with "▁"; other tokens with character offsets (byte-level BPE) join
their neighbour when no character lies between them. Special tokens and the bundled models'
whole-word tokens are words of their own.
"""

from __future__ import annotations

from typing import Sequence

SPM_SPACE = "\u2581"  # SentencePiece's word-start marker "▁"


def word_spans(tokens: Sequence) -> list[tuple[int, int]]:
    spans: list[list[int]] = []
    spm = any(getattr(t, "norm", "").startswith(SPM_SPACE) for t in tokens)
    for i, tok in enumerate(tokens):
        if spans and i > 0 and _continues(tokens[i - 1], tok, spm):
            spans[-1][1] = i + 1
        else:
            spans.append([i, i + 1])
    return [(a, b) for a, b in spans]


def _continues(prev, tok, spm: bool) -> bool:
    if getattr(tok, "special", False) or getattr(prev, "special", False):
        return False
    norm = getattr(tok, "norm", "")
    if norm.startswith("##"):
        return True
    if spm:  # SentencePiece-style pieces carry their space ("▁cat"), so their offsets touch: the marker decides
        return not norm.startswith(SPM_SPACE)
    start, end, prev_end = getattr(tok, "start", 0), getattr(tok, "end", 0), getattr(prev, "end", 0)
    return end > start and prev_end > 0 and start == prev_end  # nothing between the two pieces


# Words whose maps say little; the explorer's first screen and `export` start on the first word not among them.
FUNCTION_WORDS = frozenset({"a", "an", "the", "and", "of", "with", "is", "to", "there", "what", "which", ",", ".", "?"})


def first_content_word(tokens: Sequence[str]) -> int:
    """Index of the first token that is not a function word (0 when all are)."""
    return next((i for i, t in enumerate(tokens) if t.casefold() not in FUNCTION_WORDS), 0)
