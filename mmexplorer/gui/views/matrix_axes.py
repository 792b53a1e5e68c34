"""Axis ticks and modality-block lines for an attention matrix."""

from __future__ import annotations

from mmexplorer.attention.record import AttentionRecord

MAX_PATCH_TICKS = 12  # patch labels beyond this would overlap


def axis_ticks(record: AttentionRecord, kind: str, axis: int) -> list[tuple[float, str]]:
    """(position, label) ticks: every [CLS] and word, and an even sample of patches."""
    labels = record.labels(kind, axis)
    patches = [i for i, name in enumerate(labels) if name.startswith("p") and name[1:].isdigit()]
    step = max(1, -(-len(patches) // MAX_PATCH_TICKS))
    shown = set(patches[::step])
    return [(i + 0.5, name) for i, name in enumerate(labels) if i in shown or i not in patches]


def thin_ticks(ticks: list[tuple[float, str]], px_per_unit: float, horizontal: bool) -> list[tuple[float, str]]:
    """Drop labels that would overlap at the current size (hover still names every row and column)."""
    char_px, line_px = 7.0, 13.0
    kept: list[tuple[float, str]] = []
    for pos, label in ticks:
        if kept:
            last_pos, last_label = kept[-1]
            need = (len(last_label) + len(label)) / 2 * char_px + 4 if horizontal else line_px
            if (pos - last_pos) * px_per_unit < need:
                continue
        kept.append((pos, label))
    return kept


def fit_labels(ticks: list[tuple[float, str]], px_per_unit: float) -> list[tuple[float, str]]:
    """Shorten labels (with …) so every one fits its own slot; for bars, where each word must stay named."""
    room = max(2, int((px_per_unit - 8) / 7.0))  # 8 px between neighbours, so labels never run together
    return [(pos, label if len(label) <= room else label[: room - 1] + "…") for pos, label in ticks]


def block_edges(record: AttentionRecord, kind: str, axis: int) -> list[int]:
    """Positions between modality segments (where the joint matrix's blocks meet)."""
    segments = record.layouts[kind][axis]
    return [start for _, start, _ in segments[1:]]


def describe(labels: list[str], i: int) -> str:
    return labels[i] if 0 <= i < len(labels) else "?"
