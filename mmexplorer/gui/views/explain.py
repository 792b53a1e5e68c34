"""Plain words for what a model does and does not have, shown above the maps (the words come from its spec)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from mmexplorer import families
from mmexplorer.gui.i18n.terms import fusion_phrase
from mmexplorer.spec import FusionSpec

if TYPE_CHECKING:  # numpy behind it; the input panel uses these texts before numpy is imported
    from mmexplorer.attention.record import AttentionRecord

translate = QCoreApplication.translate


def note_for(fusion: str) -> str:
    """What a registered strategy or family does, in the interface's language ('' for an unknown one)."""
    found = families.find(fusion)
    return translate("Explain", found.spec.note) if found is not None else ""


def spec_note(spec: dict, fusion: str) -> str:
    """A model's one-line explanation from its fusion spec, in the interface's language."""
    note = (spec or {}).get("note")
    if note:
        return translate("Explain", note)  # every family's note is marked for translation (mmexplorer/families)
    return note_for(fusion) or fusion_phrase(fusion)


def _dual_encoder(record: AttentionRecord) -> bool:
    spec = record.meta.get("spec")
    return bool(spec) and FusionSpec.from_dict(spec).dual_encoder


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
        if _dual_encoder(record):
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
