"""A Hugging Face tokenizer seen through the app's Encoding (token chips, [UNK] marks, truncation).

The tokens shown are the model's own BPE tokens after the start token, up to
and including the end token, with the end-of-word marker removed.
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

    @property
    def display(self) -> str:
        return self.surface if not self.is_unk else f"[UNK] {self.surface}"


class HFTextTokenizer:
    def __init__(self, tokenizer, max_len: int) -> None:
        self.hf = tokenizer
        self.max_len = int(max_len)  # the text encoder's position count (77 for CLIP)

    def encode(self, text: object) -> Encoding:
        return self.ids_and_encoding(text)[1]

    def ids_and_encoding(self, text: object) -> tuple[list[int], Encoding]:
        """Input ids with the start and end tokens (at most max_len), and the Encoding of ids[1:]."""
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        full = len(self.hf(text)["input_ids"])
        enc = self.hf(
            text,
            truncation=True,
            max_length=self.max_len,
            return_offsets_mapping=bool(getattr(self.hf, "is_fast", False)),  # slow tokenizers have no offsets
            return_special_tokens_mask=True,
        )
        ids = list(enc["input_ids"])
        offsets = enc.get("offset_mapping") or [(0, 0)] * len(ids)
        special = enc.get("special_tokens_mask") or [0] * len(ids)
        raw = self.hf.convert_ids_to_tokens(ids)
        unk = self.hf.unk_token_id
        tokens = tuple(
            ModelToken(self._surface(text, tok, off, bool(sp)), tok, int(i), int(off[0]), int(off[1]),
                       bool(i == unk and not sp))
            for i, tok, off, sp in list(zip(ids, raw, offsets, special))[1:]
        )
        dropped = max(0, full - len(ids))
        return ids, Encoding(text, tokens, dropped > 0, dropped)

    def _surface(self, text: str, token: str, offset, special: bool) -> str:
        if special:
            return token
        shown = self.hf.convert_tokens_to_string([token]).replace("</w>", "").strip()
        if (not shown or REPLACEMENT in shown) and offset[1] > offset[0]:
            return text[offset[0]:offset[1]]  # part of a multi-byte character: show the character
        return shown or token.replace("</w>", "")
