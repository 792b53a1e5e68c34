"""What words a model knows: the bundled models' closed vocabulary, or a real model's own tokenizer."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QCoreApplication

translate = QCoreApplication.translate
UNKNOWN_SHARE = 0.5  # above this share of [UNK] words, the map says little: warn
TOOLTIP_WORDS = 60  # words listed in a chip's tooltip (the Model tab lists them all)


def known_words(config: dict) -> Optional[list[str]]:
    """The words of a closed vocabulary, sorted (None for models with their own subword tokenizer)."""
    vocab = config.get("vocab") if config else None
    return sorted(str(w) for w in vocab) if vocab else None


def tokenizer_pieces(config: dict) -> Optional[int]:
    """The size of a real model's subword vocabulary, when its config says."""
    text = config.get("text") if config else None
    size = text.get("vocabulary") if isinstance(text, dict) else None
    return int(size) if isinstance(size, int) else None


def vocabulary_summary(config: dict) -> str:
    """One sentence: how many words and what happens to the others."""
    words = known_words(config)
    if words is not None:
        return translate("Vocabulary", "{n} words (listed below); any other word becomes [UNK], about which the model "
                                       "knows nothing.").format(n=len(words))
    pieces = tokenizer_pieces(config)
    if pieces is not None:
        return translate("Vocabulary", "its own subword tokenizer of {n} pieces: every word is read, split into pieces "
                                       "it knows (no [UNK]).").format(n=f"{pieces:,}")
    return translate("Vocabulary", "this model reads no text.") if config and not config.get("max_text_len") else "?"


def chip_vocabulary_hint(config: dict) -> str:
    """For the word chips' tooltips: the words the model knows (the first few), or that it has its own tokenizer."""
    words = known_words(config)
    if words is None:
        pieces = tokenizer_pieces(config)
        return translate("Vocabulary", "This model splits words with its own tokenizer ({n} pieces).").format(
            n=f"{pieces:,}") if pieces else ""
    shown = ", ".join(words[:TOOLTIP_WORDS]) + (", …" if len(words) > TOOLTIP_WORDS else "")
    return translate("Vocabulary", "The model knows {n} words: {words} (all in the Model tab).").format(n=len(words), words=shown)


def mostly_unknown(unk: list[bool]) -> bool:
    """Whether more than half the words are [UNK] (and there are words at all)."""
    return bool(unk) and sum(bool(u) for u in unk) > UNKNOWN_SHARE * len(unk)


def unknown_words_warning(words: list[str], n_known: Optional[int]) -> str:
    """The banner for a sentence that is mostly [UNK]; `n_known`: the size of a closed shapes-world vocabulary,
    None for a model with a tokenizer of its own (then there is no smaller world to point to)."""
    listed = ", ".join(words)
    if n_known is None:
        return translate("Vocabulary", "Most of these words are unknown to this model's tokenizer ({words} became "
                                       "[UNK]): its maps say little about them.").format(words=listed)
    return translate("Vocabulary", "Most of these words are unknown to this model ({words} became [UNK]): its maps say "
                                   "little about them. It knows only {n} words of the shapes world; try a sample picture "
                                   "and its caption, or open a real model (File › Open model folder…) for everyday "
                                   "pictures and words.").format(words=listed, n=n_known)
