"""Plain words for what a model does and does not have, shown above the maps (the words come from its spec)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from mmexplorer.gui.i18n.terms import fusion_phrase

if TYPE_CHECKING:  # numpy behind it; the input panel uses these texts before numpy is imported
    from mmexplorer.attention.record import AttentionRecord

translate = QCoreApplication.translate

# The bundled strategies' notes as their fusion specs word them (mmexplorer/models/fusion),
# listed here so the translation tools find them; tests/gui/test_i18n.py checks they match.
NOTES = {
    "early": QT_TRANSLATE_NOOP("Explain", "Early fusion: words and patches run through one transformer; the map is the word's row of "
                               "the joint attention over the patch columns."),
    "cross": QT_TRANSLATE_NOOP("Explain", "Cross-attention fusion: each modality has its own encoder; the map is the word's "
                               "cross-attention over the patches (queries from text, keys and values from the image)."),
    "hybrid": QT_TRANSLATE_NOOP("Explain", "Hybrid fusion: a joint transformer (feature level) plus unimodal decisions (decision "
                                "level); the map is the joint attention, the bars below split the match score between the two levels."),
    "late": QT_TRANSLATE_NOOP("Explain", "Late fusion: image and text are encoded separately and there is NO cross-modal attention. "
                              "The map is what the image branch attended to (the same for every word); the bars show how each "
                              "unimodal decision contributed to the match score."),
    "contrastive": QT_TRANSLATE_NOOP("Explain", "Dual encoder (contrastive, CLIP-like): there is NO cross-modal attention. The map "
                                     "is the cosine similarity between the word's embedding and each patch embedding — a "
                                     "similarity, not attention."),
}


def note_for(fusion: str) -> str:
    """What a fusion strategy does, in the interface's language ('' for an unknown one)."""
    return translate("Explain", NOTES[fusion]) if fusion in NOTES else ""


def spec_note(spec: dict, fusion: str) -> str:
    """A model's one-line explanation from its fusion spec, in the interface's language."""
    note = (spec or {}).get("note")
    if note:
        return translate("Explain", note)  # a bundled strategy's note is in the .ts; others stay as written
    return note_for(fusion) or fusion_phrase(fusion)


def fusion_note(record: AttentionRecord) -> str:
    """The model's own one-line explanation (its fusion spec, carried in the record)."""
    return spec_note(record.meta.get("spec"), record.fusion)


def prediction_text(record: AttentionRecord) -> str:
    """What the model answered, in one line."""
    out = record.outputs
    parts = []
    if "match_prob" in out:
        parts.append(translate("Explain", "match probability {p}").format(p=f"{out['match_prob']:.2f}"))
    elif "match_logit" in out:  # a score without a calibrated probability (e.g. CLIP)
        cos = translate("Explain", ", cosine {c}").format(c=f"{out['cosine']:.3f}") if "cosine" in out else ""
        parts.append(translate("Explain", "match score {s}").format(s=f"{out['match_logit']:.2f}") + cos)
    classes = out.get("classes")
    if classes:
        parts.append(translate("Explain", "classes {list}").format(list=", ".join(f"{c} {p:.2f}" for c, p in classes[:3])))
    answers = out.get("answers")
    if answers:
        parts.append(translate("Explain", "answer {list}").format(list=", ".join(f"{a} {p:.2f}" for a, p in answers[:3])))
    return translate("Explain", "; ").join(parts)



def match_explanation(record: AttentionRecord) -> str:
    """The match score's tooltip: what it measures and what kind of sentence it expects."""
    out = record.outputs
    if "match_prob" in out:
        text = translate("Explain", "Match probability: how likely the model thinks it is that the sentence describes this "
                                    "picture (0 = not at all, 1 = surely).")
        if record.fusion == "contrastive":
            text += " " + translate("Explain", "For this dual encoder it comes from the cosine similarity of the picture's "
                                               "and the sentence's embeddings.")
    elif "match_logit" in out:
        text = translate("Explain", "Match score: the scaled cosine similarity of the picture's and the sentence's "
                                    "embeddings; higher means a better match. It is not a probability: compare it between "
                                    "sentences for the same picture.")
    else:
        return translate("Explain", "This model gives no image-text match score.")
    if record.meta.get("config", {}).get("vocab"):  # the bundled shapes-world models
        text += "\n" + translate("Explain", "The bundled models were trained on captions of the whole scene (every shape, "
                                             "e.g. 'a red circle and a blue square'); a sentence naming only one of "
                                             "several shapes is a mismatch to them and scores low.")
    return text
