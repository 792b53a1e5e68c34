"""A Hugging Face tokenizer seen through the app's Encoding (token chips, [UNK] marks, truncation).

The tokens shown are the model's own (sub)word tokens after the start token
([CLS], <|startoftext|>; models without one show from the first token), up to
and including the end token, with BPE's end-of-word marker removed; padding
the model is fed (SigLIP pads to its full length) is not shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from mmexplorer.data.tokenizer import Encoding

REPLACEMENT = "\ufffd"


@dataclass(frozen=True)
class ModelToken:
    surface: str  # what the token reads as (decoded BPE, or the input text it came from)
    norm: str  # the raw token string of the model's vocabulary
    id: int
    start: int  # character span in the input text (0, 0 for special tokens)
    end: int
    is_unk: bool
    special: bool = False  # [SEP], </s>, <|endoftext|>: a word of its own

    @property
    def display(self) -> str:
        return self.surface if not self.is_unk else f"[UNK] {self.surface}"


@dataclass(frozen=True)
class TextIds:
    ids: list  # what the model is fed: padding (left-padding tokenizers), start token (if any), tokens, end, padding
    encoding: Encoding  # the shown tokens: ids[first + start : first + real]
    start: int  # 1 when the sequence opens with a start token ([CLS], <|startoftext|>), else 0
    real: int  # ids that are not padding
    first: int = 0  # index of the first id that is not padding (> 0 for a left-padding tokenizer)

    @property
    def attention_mask(self) -> list:
        n = len(self.ids)
        return [1 if self.first <= i < self.first + self.real else 0 for i in range(n)]

    @property
    def token_positions(self) -> slice:
        """Where the shown tokens sit in the fed sequence."""
        begin = self.first + self.start
        return slice(begin, begin + len(self.encoding.tokens))

    def segments(self) -> tuple:
        """The fed sequence's layout: padding, the start token as cls, the tokens, padding."""
        out, n = [], len(self.ids)
        if self.first:
            out.append(("pad", 0, self.first))
        if self.start:
            out.append(("cls", self.first, self.first + 1))
        span = self.token_positions
        out.append(("text", span.start, span.stop))
        if span.stop < n:
            out.append(("pad", span.stop, n))
        return tuple(out)


class HFTextTokenizer:
    def __init__(self, tokenizer, max_len: int, pad_to_max: bool = False) -> None:
        self.hf = tokenizer
        self.max_len = int(max_len)  # the text encoder's position count (77 for CLIP)
        self.pad_to_max = pad_to_max  # feed max_len ids, padded, as the model was trained (SigLIP)

    def encode(self, text: object) -> Encoding:
        return self.text_ids(text).encoding

    def ids_and_encoding(self, text: object) -> tuple[list[int], Encoding]:
        t = self.text_ids(text)
        return t.ids, t.encoding

    def text_ids(self, text: object) -> TextIds:
        """Input ids with the start and end tokens (at most max_len, padded to it with pad_to_max), and the
        Encoding of the real ids after the start token."""
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        full = len(self.hf(text)["input_ids"])
        enc = self.hf(
            text,
            truncation=True,
            max_length=self.max_len,
            padding="max_length" if self.pad_to_max else False,
            return_offsets_mapping=bool(getattr(self.hf, "is_fast", False)),  # slow tokenizers have no offsets
            return_special_tokens_mask=True,
            return_attention_mask=True,
        )
        ids = list(enc["input_ids"])
        mask = list(enc["attention_mask"])
        real = int(sum(mask))  # ids that are not padding
        first = mask.index(1) if real else 0  # left padding comes first
        offsets = enc.get("offset_mapping") or [(0, 0)] * len(ids)
        special = enc.get("special_tokens_mask") or [0] * len(ids)
        raw = self.hf.convert_ids_to_tokens(ids)
        unk = self.hf.unk_token_id
        # a leading special token that is not the end token opens the sequence ([CLS], <|startoftext|>)
        start = int(real > 1 and bool(special[first]) and ids[first] != self.hf.eos_token_id)
        tokens = tuple(
            ModelToken(self._surface(text, tok, off, bool(sp), i == unk), tok, int(i), int(off[0]), int(off[1]),
                       bool(i == unk and not sp), bool(sp))
            for i, tok, off, sp in list(zip(ids, raw, offsets, special))[first + start:first + real]
        )
        dropped = max(0, full - real)
        return TextIds(ids, Encoding(text, tokens, dropped > 0, dropped), start, real, first)

    def _surface(self, text: str, token: str, offset, special: bool, unknown: bool = False) -> str:
        if special:
            return token
        if unknown and offset[1] > offset[0]:
            return text[offset[0]:offset[1]]  # shown as "[UNK] 色", not "[UNK] [UNK]"
        shown = self.hf.convert_tokens_to_string([token]).replace("</w>", "").strip()
        if (not shown or REPLACEMENT in shown) and offset[1] > offset[0]:
            return text[offset[0]:offset[1]]  # part of a multi-byte character: show the character
        return shown or token.replace("</w>", "")
