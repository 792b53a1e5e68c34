"""`mmexplorer curves`: deletion and insertion curves of one picture and text, for each map method."""

from __future__ import annotations

import json

from mmexplorer.cli.errors import UserInputError


def add_parser(sub) -> None:
    p = sub.add_parser("curves", help="deletion and insertion curves of a picture's maps (does the map mean anything?)")
    p.add_argument("--model", help="model name (see `mmexplorer models`), checkpoint path or model folder; default: the default model")
    p.add_argument("--image", required=True, help="image file")
    p.add_argument("--text", required=True, help="the sentence")
    p.add_argument("--steps", type=int, default=16, help="steps of each curve (default 16)")
    p.add_argument("--methods", default="raw,rollout,relevancy,random",
                   help="comma-separated, of raw, rollout, relevancy, random (default: all)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random order (default 0)")
    p.add_argument("--device", default="cpu", help="auto, cpu, cuda, cuda:N, mps (default: cpu)")
    p.add_argument("--json", action="store_true", help="print the curves as JSON")


def _table(r: dict) -> str:
    lines = [f"{r['model']}: {r['score']}, {r['steps']} steps, removed patches painted {tuple(r['blank'])}",
             f"{'method':<10} {'deletion AUC':>13} {'insertion AUC':>14}"]
    methods = dict.fromkeys(c["method"] for c in r["curves"])
    for m in methods:
        d, i = r["auc"].get(f"deletion_{m}"), r["auc"].get(f"insertion_{m}")
        lines.append(f"{m:<10} {d:>13.4f} {i:>14.4f}")
    lines.append("deletion: lower than random is better; insertion: higher than random is better")
    return "\n".join(lines)


def run(args) -> int:
    from mmexplorer.engine.faithfulness import METHODS

    methods = tuple(m.strip() for m in args.methods.split(",") if m.strip())
    bad = [m for m in methods if m not in METHODS]
    if bad or not methods:
        raise UserInputError(f"--methods: {bad[0] if bad else args.methods!r} is not one of {', '.join(METHODS)}")
    if not 1 <= args.steps <= 1024:
        raise UserInputError("--steps must be between 1 and 1024")
    from mmexplorer.data.image import load_image
    from mmexplorer.data.sample import Sample
    from mmexplorer.engine.faithfulness import faithfulness
    from mmexplorer.engine.probe import load_model

    image = load_image(args.image)  # a bad picture is refused before the model loads
    try:
        model, _ = load_model(args.model, args.device)
    except ValueError as exc:
        raise UserInputError(str(exc)) from None
    report = faithfulness(model, Sample(image, model.tokenizer.encode(args.text)), methods, args.steps, seed=args.seed)
    print(json.dumps(report) if args.json else _table(report))
    return 0
