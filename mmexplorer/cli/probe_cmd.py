"""`mmexplorer probe`: run a model on an image + text and write the probe npz."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mmexplorer.cli.errors import UserInputError


def add_parser(sub) -> None:
    p = sub.add_parser("probe", help="capture attention for an image and text into an npz")
    p.add_argument("--model", help="model name (see `mmexplorer models`) or checkpoint path; default: the default model")
    p.add_argument("--image", help="image file")
    p.add_argument("--text", help="the sentence")
    p.add_argument("--out", help="output .npz (single form)")
    p.add_argument("--pairs", help='JSONL file, one {"image": ..., "text": ...} per line (batch form)')
    p.add_argument("--out-dir", help="output folder (batch form): one npz per line plus summary.json")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N, mps (default: auto)")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    p.add_argument("--no-relevancy", action="store_true", help="skip the backward pass for gradient relevancy")
    p.add_argument("--force", action="store_true", help="overwrite existing output files")


def _summary(record, out_path: Path) -> dict:
    return {
        "out": str(out_path),
        "model": record.model,
        "fusion": record.fusion,
        "tokens": list(record.tokens),
        "truncated": record.truncated,
        "grid": list(record.grid),
        "kinds": {k: record.layers(k) for k in record.kinds},
        "map": record.map_label,
        "outputs": {k: v for k, v in record.outputs.items() if k != "branches"},
        "device": record.meta.get("device"),
        "timings": record.meta.get("timings"),
    }


def _headline(outputs) -> str:
    """The model's main output in a few words (match probability, match logit, or top class)."""
    if "match_prob" in outputs:
        return f"match {outputs['match_prob']:.3f}"
    if "match_logit" in outputs:
        return f"match logit {outputs['match_logit']:.3f}"
    if outputs.get("classes"):
        label, prob = outputs["classes"][0]
        return f"top class {label} {prob:.3f}"
    return "no task output"


def _check_out(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise FileExistsError(f"{path} exists; pass --force to overwrite")
    if path.suffix != ".npz":
        raise UserInputError(f"--out must end in .npz, got {path.name}")


def run(args) -> int:
    single = args.image is not None or args.text is not None or args.out is not None
    batch = args.pairs is not None or args.out_dir is not None
    if single == batch:
        raise UserInputError("give either --image, --text and --out, or --pairs and --out-dir")
    if single and not (args.image and args.text is not None and args.out):
        raise UserInputError("the single form needs --image, --text and --out")
    if batch and not (args.pairs and args.out_dir):
        raise UserInputError("the batch form needs --pairs and --out-dir")

    from mmexplorer.data.image import load_image
    from mmexplorer.data.sample import Sample
    from mmexplorer.engine.probe import load_model, probe
    from mmexplorer.attention.npz import save_record

    if single:  # every cheap check of the output before the model loads
        from mmexplorer.data.files import check_output_file

        check_output_file(Path(args.out), args.force)
        _check_out(Path(args.out), args.force)
    try:
        model, _ = load_model(args.model, args.device)
    except ValueError as exc:
        raise UserInputError(str(exc)) from None
    if single:
        out = Path(args.out)
        _check_out(out, args.force)
        sample = Sample(load_image(args.image), model.tokenizer.encode(args.text))
        record = probe(model, sample, relevancy=not args.no_relevancy)
        save_record(record, out)
        summary = _summary(record, out)
        print(json.dumps(summary) if args.json else f"wrote {out} ({record.fusion}, {len(record.tokens)} tokens, grid {record.grid[0]}x{record.grid[1]}, {_headline(record.outputs)})")
        return 0
    return _run_batch(args, model, probe, save_record, load_image, Sample)


def _run_batch(args, model, probe, save_record, load_image, Sample) -> int:
    from mmexplorer.data.files import atomic_write_text

    pairs_path = Path(args.pairs)
    if not pairs_path.is_file():
        raise UserInputError(f"{pairs_path} does not exist")
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results, failures = [], 0
    lines = pairs_path.read_text(encoding="utf-8", errors="replace").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        entry = {"line": number}
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or "image" not in item or "text" not in item:
                raise UserInputError('each line must be {"image": ..., "text": ...}')
            image_path = Path(item["image"])
            if not image_path.is_absolute():
                image_path = pairs_path.parent / image_path
            out = out_dir / f"{number:05d}.npz"
            _check_out(out, args.force)
            record = probe(model, Sample(load_image(image_path), model.tokenizer.encode(str(item["text"]))), relevancy=not args.no_relevancy)
            save_record(record, out)
            entry.update(_summary(record, out), ok=True)
        except Exception as exc:  # one bad line must not stop the batch
            failures += 1
            entry.update(ok=False, error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            print(f"line {number}: {entry['error']}", file=sys.stderr)
        results.append(entry)
    summary = {"pairs": len(results), "failed": failures, "results": results}
    atomic_write_text(out_dir / "summary.json", json.dumps(summary, indent=1))
    print(json.dumps(summary) if args.json else f"wrote {len(results) - failures} npz file(s) to {out_dir}; {failures} failed")
    if failures:
        print(f"error: {failures} of {len(results)} pair(s) failed; see {out_dir / 'summary.json'}", file=sys.stderr)
        return 2
    return 0
