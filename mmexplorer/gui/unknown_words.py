"""The banner for a sentence the model mostly cannot read ([UNK]), derived from the current record and model only.

Recomputed from scratch whenever a new record or model arrives: a sentence the
model knows, or a switch to another model, withdraws a banner that no longer
holds (it used to stay, naming words of an earlier sentence). Unknown words are
named by their characters in the caption (a Hugging Face tokenizer's [UNK]
token reads "[UNK]" itself), and the shapes world is mentioned only for the
models that know nothing else (a closed vocabulary).
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QObject

from mmexplorer.gui.compare.words import token_spans
from mmexplorer.gui.views.vocabulary import known_words, mostly_unknown, unknown_words_warning


def unknown_surfaces(record, text: str) -> list[str]:
    """The caption's characters of each [UNK] token of `record` (its token text where no span is known)."""
    spans = token_spans(record, text)
    out = []
    for t, unk in enumerate(record.token_unk):
        if unk:
            a, b = spans[t] if t < len(spans) else (0, 0)
            out.append(text[a:b] if b > a else record.tokens[t])
    return out


def banner_text(record, text: str, info) -> Optional[str]:
    """The warning for `record` read by the model `info` describes, or None when none is due."""
    if record is None or not mostly_unknown(list(record.token_unk)):
        return None
    if info is None or info.name != record.model:
        return None  # the record is of another model than the one now loaded: it is about to be replaced
    words = known_words(info.config)
    return unknown_words_warning(unknown_surfaces(record, text), None if words is None else len(words))


class UnknownWordsNote(QObject):
    def __init__(self, state, parent=None) -> None:
        super().__init__(parent)
        self.state = state
        self.shown: Optional[str] = None  # the banner text posted and not yet withdrawn
        self._warned = None  # (model, tokens) last warned about: one sentence warns once, even after dismissal
        state.result_changed.connect(self.update)
        state.model_info_changed.connect(self.update)

    def update(self) -> None:
        state = self.state
        record = state.record
        text = state.result.text if state.result is not None else state.text
        wanted = banner_text(record, text, state.model_info)
        if wanted != self.shown and self.shown is not None:
            state.withdraw_message(self.shown)
            self.shown = None
        if wanted is None:
            self._warned = None  # the same sentence later, after a known one, warns again
            return
        key = (record.model, tuple(record.tokens))
        if key == self._warned:
            return
        self._warned = key
        self.shown = wanted
        state.post_message(wanted, "warning")
