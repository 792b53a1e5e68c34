"""Plain words for what a model does and does not have, shown above the maps (the words come from its spec)."""

from __future__ import annotations

from mmexplorer.attention.record import AttentionRecord



def fusion_note(record: AttentionRecord) -> str:
    """The model's own one-line explanation, from its fusion spec (carried in the record)."""
    return (record.meta.get("spec") or {}).get("note") or f"{record.fusion} fusion"


def prediction_text(record: AttentionRecord) -> str:
    """What the model answered, in one line."""
    out = record.outputs
    parts = []
    if "match_prob" in out:
        parts.append(f"match probability {out['match_prob']:.2f}")
    elif "match_logit" in out:  # a score without a calibrated probability (e.g. CLIP)
        cos = f", cosine {out['cosine']:.3f}" if "cosine" in out else ""
        parts.append(f"match score {out['match_logit']:.2f}{cos}")
    classes = out.get("classes")
    if classes:
        parts.append("classes " + ", ".join(f"{c} {p:.2f}" for c, p in classes[:3]))
    answers = out.get("answers")
    if answers:
        parts.append("answer " + ", ".join(f"{a} {p:.2f}" for a, p in answers[:3]))
    return "; ".join(parts)
