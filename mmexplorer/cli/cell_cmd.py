"""`mmexplorer cell`: one attention weight explained from the model's own numbers, softmax(QKᵀ/√d_k)V step by step."""

from __future__ import annotations

import json

from mmexplorer.cli.errors import UserInputError

DESCRIPTION = (
    "Explain one attention weight: the query vector q (row QUERY of the head's Q), the key vector k (row KEY of its K), "
    "q·k, d_k, the scaled score q·k/√d_k, the whole row of scaled scores (masked keys null), its softmax, the weight, "
    "the value vector v and the contribution weight·v to the head's output. Indices are those of the "
    "attn/<kind>/<layer> arrays [heads, queries, keys] that `mmexplorer probe` writes for the same input."
)


def add_parser(sub) -> None:
    p = sub.add_parser("cell", help="explain one attention weight from the model's q, k and v",
                       description=DESCRIPTION)
    p.add_argument("--model", help="model name (see `mmexplorer models`), checkpoint or folder; default: the default model")
    p.add_argument("--image", required=True, help="image file")
    p.add_argument("--text", required=True, help="the sentence")
    p.add_argument("--kind", required=True, help="attention set: joint, text, image, text_to_image, image_to_text")
    p.add_argument("--layer", type=int, required=True, help="layer within that set (0 = first)")
    p.add_argument("--head", type=int, required=True, help="head (0 = first)")
    p.add_argument("--query", type=int, required=True, help="query position (row of the probe's array)")
    p.add_argument("--key", type=int, required=True, help="key position (column of the probe's array)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N, mps (default: auto, as for probe)")
    p.add_argument("--json", action="store_true", help="print every number as one JSON object")


def run(args) -> int:
    from mmexplorer.data.image import load_image
    from mmexplorer.data.sample import Sample
    from mmexplorer.engine.cell import CellError, explain_cell
    from mmexplorer.engine.probe import load_model

    try:
        model, _ = load_model(args.model, args.device)
    except ValueError as exc:
        raise UserInputError(str(exc)) from None
    sample = Sample(load_image(args.image), model.tokenizer.encode(args.text))
    try:
        cell = explain_cell(model, sample, args.kind, args.layer, args.head, args.query, args.key)
    except CellError as exc:
        raise UserInputError(str(exc)) from None
    print(json.dumps(cell.to_json()) if args.json else describe(cell))
    return 0


def _place(p) -> str:
    where = f" (patch {p.patch}, row {p.row}, col {p.col})" if p.patch is not None else ""
    return f"{p.index} '{p.label}' [{p.modality}]{where}"


def _vector(values, limit: int = 8) -> str:
    shown = ", ".join(f"{v:+.3f}" for v in values[:limit])
    return f"[{shown}{', …' if len(values) > limit else ''}] ({len(values)} values)"


def describe(cell) -> str:
    """The explanation as a few lines of plain text."""
    share = ""
    if cell.position_share is not None:
        share = (f"\nwithout position embeddings: scaled {cell.scaled_no_pos:+.4f}, weight {cell.weight_no_pos:.4f}; "
                 f"positions add {cell.position_share:+.4f} to the scaled score")
    top = max(range(len(cell.row_weights)), key=lambda j: cell.row_weights[j])
    masked = int((~cell.mask).sum())
    scaled = f"{cell.scaled:+.4f}" if cell.mask[cell.key.index] else "masked (-inf): this query may not see this key"
    return (
        f"{cell.model} ({cell.fusion}): {cell.kind} attention, layer {cell.layer}, head {cell.head}\n"
        f"query {_place(cell.query)}, from {'/'.join(cell.query_modalities)}\n"
        f"key   {_place(cell.key)}, from {'/'.join(cell.key_modalities)}\n"
        f"q = {_vector(cell.q)}\n"
        f"k = {_vector(cell.k)}\n"
        f"q·k = {cell.score:+.4f};  d_k = {cell.d_k};  scaled q·k/√d_k = "
        f"{scaled}\n"
        f"softmax over the row's {len(cell.mask) - masked} keys ({masked} masked): weight {cell.weight:.6f} "
        f"(the row's largest is {cell.row_weights[top]:.4f} at key {top})\n"
        f"v = {_vector(cell.v)}\n"
        f"weight·v = {_vector(cell.contribution)}\n"
        f"head output for this query (sum of weight·v over all keys) = {_vector(cell.output)}"
        f"{share}\n"
        "Attention(Q, K, V) = softmax(Q Kᵀ / √d_k) V"
    )
