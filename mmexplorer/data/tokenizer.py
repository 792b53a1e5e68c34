"""A word tokenizer that accepts any Unicode string and never raises.

Rules: control and format characters (Cc, Cf: zero-width spaces, bidi marks) are
dropped; whitespace separates; CJK ideographs, kana and hangul become one token
per character unless the vocabulary has a longer word made of them (a
word-level segmentation: "红色圆形" is 红色 + 圆形 when both are words, longest
match first); runs of letters, digits and combining marks form a word; every
other character (punctuation, symbols, emoji) is a token of its own. Tokens are
matched case-insensitively (NFKC + casefold); unknown ones map to [UNK] but
keep their surface form and character span for display.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

PAD, CLS, UNK, MASK, SEP = "[PAD]", "[CLS]", "[UNK]", "[MASK]", "[SEP]"
SPECIALS = (PAD, CLS, UNK, MASK, SEP)


@dataclass(frozen=True)
class Token:
    surface: str  # exactly text[start:end] of the input
    norm: str  # the normalised form looked up in the vocabulary
    id: int
    start: int
    end: int

    @property
    def is_unk(self) -> bool:
        return self.id == SPECIALS.index(UNK)

    @property
    def display(self) -> str:
        return self.surface if not self.is_unk else f"[UNK] {self.surface}"


@dataclass(frozen=True)
class Encoding:
    text: str
    tokens: tuple[Token, ...]
    truncated: bool  # True when words beyond max_len were dropped
    dropped: int  # number of word tokens dropped by truncation

    @property
    def ids(self) -> list[int]:
        return [t.id for t in self.tokens]

    @property
    def surfaces(self) -> list[str]:
        return [t.surface for t in self.tokens]


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2FA1F
        or 0xF900 <= cp <= 0xFAFF or 0x3040 <= cp <= 0x30FF or 0xAC00 <= cp <= 0xD7AF
    )


def _kind(ch: str) -> str:
    """'drop', 'space', 'cjk', 'word', 'mark' or 'punct' for one character."""
    cat = unicodedata.category(ch)
    if cat in ("Cc", "Cf", "Cs", "Co", "Cn"):
        return "space" if ch in "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85" else "drop"
    if ch.isspace() or cat.startswith("Z"):
        return "space"
    if _is_cjk(ch):
        return "cjk"
    if cat[0] in "LN" or ch == "_":
        return "word"
    if cat[0] == "M":
        return "mark"
    return "punct"


def split_spans(text: str) -> list[tuple[int, int]]:
    """Character spans [start, end) of the tokens of `text`, in order."""
    spans: list[tuple[int, int]] = []
    start = None  # start of the open word, if any
    for i, ch in enumerate(text):
        kind = _kind(ch)
        if kind == "word" or (kind == "mark" and start is not None):
            if start is None:
                start = i
            continue
        if kind == "mark":  # a combining mark with nothing to combine with starts a word
            start = i
            continue
        if start is not None:
            spans.append((start, i))
            start = None
        if kind in ("cjk", "punct"):
            spans.append((i, i + 1))
    if start is not None:
        spans.append((start, len(text)))
    return spans


def merge_words(text: str, spans: list[tuple[int, int]], words: frozenset, longest: int) -> list[tuple[int, int]]:
    """Join runs of adjacent one-character CJK spans into the longest vocabulary `words` (normalised), left to right."""
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(spans):
        start, end = spans[i]
        joined = 1
        if end - start == 1 and _kind(text[start]) == "cjk":
            for k in range(min(longest, len(spans) - i), 1, -1):
                run = spans[i : i + k]
                if all(b - a == 1 and _kind(text[a]) == "cjk" for a, b in run) and all(
                    run[j][1] == run[j + 1][0] for j in range(k - 1)
                ) and normalise(text[start : run[-1][1]]) in words:
                    joined = k
                    break
        out.append((start, spans[i + joined - 1][1]))
        i += joined
    return out


def normalise(surface: str) -> str:
    return unicodedata.normalize("NFKC", surface).casefold()


class Tokenizer:
    def __init__(self, vocab: tuple[str, ...] | list[str], max_len: int = 24) -> None:
        self.words = tuple(SPECIALS) + tuple(w for w in vocab if w not in SPECIALS)
        self.index = {w: i for i, w in enumerate(self.words)}
        self.max_len = int(max_len)
        # multi-character CJK words of the vocabulary: the segmentation joins characters only into these
        # (a vocabulary without any, like every English-only checkpoint's, splits CJK text per character)
        self._cjk_words = frozenset(w for w in self.words if len(w) > 1 and all(_kind(ch) == "cjk" for ch in w))
        self._cjk_longest = max((len(w) for w in self._cjk_words), default=1)

    def __len__(self) -> int:
        return len(self.words)

    @property
    def pad_id(self) -> int:
        return self.index[PAD]

    @property
    def cls_id(self) -> int:
        return self.index[CLS]

    @property
    def mask_id(self) -> int:
        return self.index[MASK]

    @property
    def unk_id(self) -> int:
        return self.index[UNK]

    def encode(self, text: object) -> Encoding:
        """Word tokens of `text` (no specials), capped at max_len. Never raises."""
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        tokens = []
        spans = split_spans(text)
        if self._cjk_words:
            spans = merge_words(text, spans, self._cjk_words, self._cjk_longest)
        for start, end in spans[: self.max_len]:
            surface = text[start:end]
            norm = normalise(surface)
            tokens.append(Token(surface, norm, self.index.get(norm, self.unk_id), start, end))
        dropped = max(0, len(spans) - self.max_len)
        return Encoding(text, tuple(tokens), dropped > 0, dropped)

    def decode(self, ids) -> list[str]:
        return [self.words[i] if 0 <= i < len(self.words) else UNK for i in ids]
