"""`mmexplorer ablate`: zero heads or hide the picture from the text, rerun, and say what changed; or the grid of
every head ablated alone (the heads that matter)."""

from __future__ import annotations

import json
import sys

from mmexplorer.cli.errors import UserInputError


def add_parser(sub) -> None:
    p = sub.add_parser("ablate", help="zero attention heads or hide the picture from the text, and see what changes")
    p.add_argument("--model", help="model name (see `mmexplorer models`) or checkpoint path; default: the default model")
    p.add_argument("--image", required=True, help="image file")
    p.add_argument("--text", required=True, help="the sentence")
    p.add_argument("--heads", help="heads to zero: LAYER:HEAD, LAYER:* (the whole layer) or KIND/LAYER:HEAD, "
                                   "comma-separated; a bare layer is of the cross-modal set (else the last set run)")
    p.add_argument("--image-hidden", action="store_true", help="text queries may not read the picture's keys")
    p.add_argument("--region", metavar="X0,Y0,X1,Y1", help="with --image-hidden: hide only this box (original pixels)")
    p.add_argument("--grid", action="store_true",
                   help="ablate each head of one attention set alone (layers x heads), progress on stderr")
    p.add_argument("--kind", help="with --grid: the attention set (default: the cross-modal one, else the last run)")
    p.add_argument("--device", default="cpu", help="auto, cpu, cuda, cuda:N, mps (default: cpu)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")


def _region(text: str | None):
    if text is None:
        return None
    try:
        box = tuple(float(v) for v in text.split(","))
    except ValueError:
        box = ()
    if len(box) != 4 or not (box[0] < box[2] and box[1] < box[3]):
        raise UserInputError(f"--region must be X0,Y0,X1,Y1 with X0 < X1 and Y0 < Y1, not {text!r}")
    return box


def _grid_table(g: dict) -> str:
    lines = [f"heads that matter: {g['model']}, {g['kind']}, change of the {g['score']} (baseline {g['baseline']:.4f})",
             "layer " + " ".join(f"{'h' + str(h):>8}" for h in range(g["heads"]))]
    for layer, row in enumerate(g["effect"]):
        lines.append(f"{layer:>5} " + " ".join(f"{v:>+8.4f}" for v in row))
    return "\n".join(lines)


def _report_lines(r: dict) -> str:
    s, m, a = r["score"], r["map"], r["ablation"]
    what = ", ".join(a["heads"]) or "no heads"
    if a["image_hidden"]:
        what += "; picture hidden from the text" + (f" in {a['region']}" if a["region"] else "")
    return "\n".join([
        f"ablated: {what}",
        f"{s['what']}: {s['before']:.4f} -> {s['after']:.4f} ({s['change']:+.4f})",
        f"map ({m['label']}): mean |change| {m['mean_abs_change']:.4g}, max {m['max_abs_change']:.4g}, "
        f"correlation {m['correlation']:.3f}",
    ])


def run(args) -> int:
    if not args.grid and not args.heads and not args.image_hidden:
        raise UserInputError("give --heads, --image-hidden or --grid")
    if args.grid and (args.heads or args.image_hidden):
        raise UserInputError("--grid ablates each head alone: it takes no --heads or --image-hidden")
    if args.region and not args.image_hidden:
        raise UserInputError("--region needs --image-hidden")
    region = _region(args.region)
    from mmexplorer.data.image import load_image
    from mmexplorer.data.sample import Sample
    from mmexplorer.engine import ablation as ab
    from mmexplorer.engine.probe import load_model, probe

    image = load_image(args.image)  # a bad picture is refused before the model loads
    try:
        model, _ = load_model(args.model, args.device)
    except ValueError as exc:
        raise UserInputError(str(exc)) from None
    sample = Sample(image, model.tokenizer.encode(args.text))
    record = probe(model, sample, relevancy=False)
    try:
        if args.grid:
            def progress(done: int, total: int) -> None:
                print(f"grid: {done}/{total} heads", file=sys.stderr, flush=True)

            grid = ab.head_grid(model, sample, args.kind, record=record, progress=progress)
            print(json.dumps(grid) if args.json else _grid_table(grid))
            return 0
        heads = ab.parse_heads(args.heads, record) if args.heads else ()
        report, _ = ab.ablate(model, sample, ab.Ablation(heads, args.image_hidden, region), record=record)
    except ab.AblationError as exc:
        raise UserInputError(str(exc)) from None
    print(json.dumps(report) if args.json else _report_lines(report))
    return 0
