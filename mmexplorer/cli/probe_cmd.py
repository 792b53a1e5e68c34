"""`mmexplorer probe`: run a model on an image + text and write the probe npz."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mmexplorer.cli.errors import UserInputError


def add_parser(sub) -> None:
    p = sub.add_parser("probe", help="capture attention for an image and text into an npz")
    p.add_argument("--model", help="model name (see `mmexplorer models`), checkpoint path, Hugging Face model folder, "
                   "or hub id such as Salesforce/blip-itm-base-coco (from the local cache, else downloaded into it); "
                   "default: the default model")
    p.add_argument("--image", help="image file")
    p.add_argument("--text", help="the sentence")
    p.add_argument("--out", help="output .npz (single form)")
    p.add_argument("--generate", type=int, metavar="N",
                   help="generative models: --text is a question; answer it greedily with at most N new tokens "
                   "(default: 32)")
    p.add_argument("--answer", metavar="TEXT",
                   help="generative models: force this answer (teacher forcing) and record where the model looks "
                   "while producing each of its tokens")
    p.add_argument("--answer-relevancy", action="store_true",
                   help="generative models: also each answer token's gradient relevancy for its own logit "
                   "(one backward pass per answer token)")
    p.add_argument("--raw-prompt", action="store_true",
                   help="generative models: send --text as is, not in the model's chat template")
    p.add_argument("--pairs", help='batch form: JSONL file, one {"image": ..., "text": ...[, "boxes": [...]]} per line, '
                   "or CSV with image,text columns (see docs/batch.md)")
    p.add_argument("--out-dir", help="batch form: output folder for the results store (store.rank*.h5) and summary.csv")
    p.add_argument("--batch-size", type=int, default=32, help="batch form: pairs per forward pass (default: 32)")
    p.add_argument("--workers", type=int, default=2, help="batch form: data loader processes decoding images (default: 2)")
    p.add_argument("--keep", choices=("maps", "attention", "all"), default="maps",
                   help="batch form: arrays stored per pair: maps (token_to_image, grid, tokens, meta), attention (+ attn/*), "
                   "all (everything in the probe npz) (default: maps)")
    p.add_argument("--resume", action="store_true", help="batch form: continue the run in --out-dir, skipping finished pairs")
    p.add_argument("--parquet", action="store_true",
                   help="batch form: also write summary.parquet (needs pyarrow); summary.csv is always written")
    p.add_argument("--backend", choices=("auto", "gloo", "nccl"), default="auto",
                   help="batch form under torchrun: the torch.distributed backend (default: auto, nccl when CUDA GPUs are "
                   "visible, the launcher gives LOCAL_RANK and --device is auto or cuda; gloo otherwise)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N, mps (default: auto)")
    p.add_argument("--dtype", choices=("float32", "bfloat16", "float16"), default="float32",
                   help="run the forward pass in half precision (torch.autocast); each input is also probed in float32 "
                   "and the maps' largest deviation is reported (record meta 'precision', stderr, --json) (default: float32)")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    p.add_argument("--no-relevancy", action="store_true", help="skip the backward pass for gradient relevancy")
    p.add_argument("--force", action="store_true", help="overwrite existing output files (batch form: start the run over)")
    p.add_argument("--curves", type=int, default=0, metavar="STEPS",
                   help="batch form: each pair's deletion and insertion curves in STEPS steps for every method "
                        "(raw, rollout, relevancy, random); their AUCs go in the summary (default 0: none)")
    p.add_argument("--discount-sinks", action="store_true",
                   help="single form: renormalise every layer's attention over its non-sink keys before the maps "
                        "are made (docs/methods.md); the record's map label says so")


def _summary(record, out_path: Path) -> dict:
    return {
        "out": str(out_path),
        "model": record.model,
        "fusion": record.fusion,
        "tokens": list(record.tokens),
        "unknown_words": list(record.unknown_words),  # read as [UNK]: the maps say little about them
        "truncated": record.truncated,
        "grid": list(record.grid),
        "kinds": {k: record.layers(k) for k in record.kinds},
        "map": record.map_label,
        "outputs": {k: v for k, v in record.outputs.items() if k != "branches"},
        "device": record.meta.get("device"),
        **({"prompt": record.meta.get("prompt"), "answer_tokens": list(record.generation.answer_tokens),
            "regions": record.regions.to_dict() if record.regions is not None else None,
            "prompt_attention": record.meta.get("prompt_attention")} if record.generation is not None else {}),
        "timings": record.meta.get("timings"),
        **({"precision": record.meta["precision"]} if "precision" in record.meta else {}),
    }


def unknown_words_note(record) -> str:
    """The CLI's counterpart of the explorer's unknown-words banner (one line, on stderr)."""
    unknown = record.unknown_words
    return (f"note: {len(unknown)} of {len(record.tokens)} word(s) unknown to {record.model}, read as [UNK]: "
            f"{', '.join(unknown)} (their maps say little)")


def _headline(outputs) -> str:
    """The model's main output in a few words (answer, match probability, match logit, or top class)."""
    if "answer" in outputs and isinstance(outputs["answer"], str):
        return f"answer {outputs['answer']!r}"
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
    asking = _asking(args, batch)

    if batch:
        return _run_batch(args)
    from mmexplorer.data.image import load_image
    from mmexplorer.data.sample import Sample
    from mmexplorer.engine.probe import load_model
    from mmexplorer.attention.npz import save_record

    from mmexplorer.data.files import check_output_file
    from mmexplorer.output_lock import output_lock

    out = Path(args.out)
    check_output_file(out, args.force)  # every cheap check of the output before the model loads
    _check_out(out, args.force)
    with output_lock(out):  # as training does: a second probe to the same --out is refused, not raced
        _check_out(out, args.force)  # another probe may have written it while this one waited to start
        try:
            model, _ = load_model(args.model, args.device, download=True)  # a hub id not yet cached is fetched
        except ValueError as exc:
            raise UserInputError(str(exc)) from None
        _check_out(out, args.force)
        from mmexplorer.data.image import user_notes

        loaded = load_image(args.image)
        for note in user_notes(loaded):
            print(f"note: {args.image}: {note}", file=sys.stderr)
        sample = Sample(loaded, model.tokenizer.encode(args.text))
        record = _ask_or_probe(model, sample, asking, relevancy=not args.no_relevancy, dtype=args.dtype)
        if args.discount_sinks:
            from mmexplorer.attention.sinks import discount_sinks

            record = discount_sinks(record)
        save_record(record, out)
    if "precision" in record.meta:  # never silent: how far half precision moved the maps on this input
        print(f"note: {args.dtype}: the maps deviate from float32 by at most "
              f"{record.meta['precision']['max_abs_map_deviation']:.3g} on this input", file=sys.stderr)
    summary = _summary(record, out)
    print(json.dumps(summary) if args.json else f"wrote {out} ({record.fusion}, {len(record.tokens)} tokens, grid {record.grid[0]}x{record.grid[1]}, {_headline(record.outputs)})")
    if record.unknown_words and not args.json:
        print(unknown_words_note(record), file=sys.stderr)
    return 0


def _asking(args, batch: bool):
    """The asking options (engine.asking.Ask) when any was given, else None; checked before the model loads."""
    if args.generate is None and args.answer is None and not args.raw_prompt and not args.answer_relevancy:
        return None
    if batch:
        raise UserInputError("--generate, --answer, --answer-relevancy and --raw-prompt are for the single form "
                             "(--image, --text, --out)")
    if args.generate is not None and args.answer is not None:
        raise UserInputError("give either --generate N (the model answers) or --answer TEXT (a forced answer), not both")
    from mmexplorer.engine.asking import MAX_NEW_TOKENS, Ask, AskError

    try:
        return Ask(max_new_tokens=MAX_NEW_TOKENS if args.generate is None else args.generate, answer=args.answer,
                   raw_prompt=args.raw_prompt, relevancy=args.answer_relevancy)
    except AskError as exc:
        raise UserInputError(f"--generate/--answer: {exc}") from None


def _ask_or_probe(model, sample, asking, relevancy: bool, dtype: str = "float32"):
    """A generative model is asked (with the options given, else the defaults); any other model probed (at `dtype`)."""
    from mmexplorer.engine.asking import Ask, AskError, ask, is_generative
    from mmexplorer.engine.precision import probe_at

    if not is_generative(model):
        if asking is not None:
            raise UserInputError(f"{model.name} does not generate answers ({model.spec.category} fusion); "
                                 "--generate, --answer, --answer-relevancy and --raw-prompt need a generative "
                                 "vision-language model")
        return probe_at(model, sample, dtype, relevancy=relevancy)
    if dtype != "float32":
        raise UserInputError("--dtype applies to probing; a generative model is asked in float32")
    try:
        return ask(model, sample, asking or Ask())
    except AskError as exc:
        raise UserInputError(str(exc)) from None


def _run_batch(args) -> int:
    """The batch form: streamed, batched, resumable; sharded by rank under torchrun."""
    from mmexplorer.engine.bulk.dist import from_environment
    from mmexplorer.engine.bulk.pairs import check_pairs_file
    from mmexplorer.engine.bulk.run import BatchOptions, run_pairs
    from mmexplorer.engine.bulk.summary import require_parquet
    from mmexplorer.engine.probe import load_model

    check_pairs_file(args.pairs)  # before loading anything: a FIFO or a folder is refused at once
    if args.batch_size < 1:
        raise UserInputError("--batch-size must be at least 1")
    if args.workers < 0:
        raise UserInputError("--workers must be 0 or more")
    if args.curves < 0:
        raise UserInputError("--curves must be 0 or more")
    if args.parquet:
        require_parquet()  # before any pair runs, not after the last
    ranks = from_environment(args.backend, args.device, log=lambda s: print(s, file=sys.stderr))
    try:
        try:
            model, _ = load_model(args.model, ranks.device(args.device))
        except ValueError as exc:
            raise UserInputError(str(exc)) from None
        opts = BatchOptions(keep=args.keep, batch_size=args.batch_size, workers=args.workers,
                            relevancy=not args.no_relevancy, resume=args.resume, force=args.force, parquet=args.parquet,
                            dtype=args.dtype, curves=args.curves)
        counts = run_pairs(model, args.pairs, args.out_dir, opts, ranks, log=lambda s: print(s, file=sys.stderr))
    finally:
        ranks.close()
    if ranks.rank != 0:
        return 0
    if args.json:
        print(json.dumps(counts))
    else:
        print(f"{counts['ok']} pair(s) probed, {counts['failed']} failed, {counts['skipped']} already done; "
              f"{counts['rows']} row(s) in {counts['summary']}")
    if "max_map_deviation" in counts:
        print(f"note: {args.dtype}: the maps deviate from float32 by at most {counts['max_map_deviation']:.3g} "
              "over this rank's pairs (each record's meta holds its own)", file=sys.stderr)
    if counts["errors"]:
        print(f"error: {counts['errors']} of {counts['rows']} pair(s) failed; see the error column of {counts['summary']}", file=sys.stderr)
        return 2
    return 0
