"""Plain words for what a fusion strategy does and does not have, shown above the maps."""

from __future__ import annotations

from mmexplorer.attention.record import AttentionRecord

NOTES = {
    "early": "Early fusion: words and patches run through one transformer; the map is the word's row of the joint "
    "attention over the patch columns.",
    "cross": "Cross-attention fusion: each modality has its own encoder; the map is the word's cross-attention "
    "over the patches (queries from text, keys and values from the image).",
    "hybrid": "Hybrid fusion: a joint transformer (feature level) plus unimodal decisions (decision level); the map "
    "is the joint attention, the bars below split the match score between the two levels.",
    "late": "Late fusion: image and text are encoded separately and there is NO cross-modal attention. The map is "
    "what the image branch attended to (the same for every word); the bars show how each unimodal decision "
    "contributed to the match score.",
    "contrastive": "Dual encoder (contrastive, CLIP-like): there is NO cross-modal attention. The map is the cosine "
    "similarity between the word's embedding and each patch embedding — a similarity, not attention.",
}


def fusion_note(record: AttentionRecord) -> str:
    return NOTES.get(record.fusion, f"{record.fusion} fusion")


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
