"""`mmexplorer train`: train a model on the shapes world and save it as a checkpoint."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from mmexplorer import families
from mmexplorer.cli.errors import UserInputError

RECIPES = ("default", "quick", "no-grounding", "multitask")  # mirrors engine.recipes.RECIPES


def add_parser(sub) -> None:
    p = sub.add_parser("train", help="train a model on the synthetic shapes world")
    p.add_argument("--fusion", required=True, choices=families.bundled_names(), help="fusion strategy")
    p.add_argument("--out", required=True, help="checkpoint to write (.safetensors)")
    p.add_argument("--recipe", default="default", choices=RECIPES, help="named settings (default: default)")
    p.add_argument("--steps", type=int, help="optimisation steps (recipe's value by default)")
    p.add_argument("--seed", type=int, help="seeds the weights and the training scenes")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N, mps (default: auto)")
    p.add_argument("--lr", type=float, help="peak learning rate")
    p.add_argument("--batch-size", type=int, help="scenes per step (each gives a true and a negative caption)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--grounding", dest="grounding", action="store_true", default=None, help="supervise word maps with object boxes")
    g.add_argument("--no-grounding", dest="grounding", action="store_false", help="matching loss only")
    p.add_argument("--mlm", action="store_true", default=None, help="add masked-word prediction")
    p.add_argument("--tasks", help="comma-separated tasks: itm or itm,vqa")
    p.add_argument("--languages", help="comma-separated caption languages, scene by scene in turn: en (default) or en,zh")
    p.add_argument("--sharing", choices=("hard", "soft"), help="multi-task parameter sharing")
    p.add_argument("--threads", type=int, help="CPU threads for torch (default 2)")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    p.add_argument("--resume", action="store_true",
                   help="continue the interrupted run whose last checkpoint is --out (same options; its "
                        ".train-state files hold the optimiser and random state)")
    p.add_argument("--quiet", action="store_true", help="no progress line")


def _bar(p, width: int = 24) -> str:
    filled = int(width * p.step / p.total)
    hard = "" if p.hard_accuracy != p.hard_accuracy else f" hard {p.hard_accuracy:5.1%}"  # NaN: no hard negatives this step
    return (
        f"\r[{'#' * filled}{'.' * (width - filled)}] {p.step}/{p.total} loss {p.loss:.3f} "
        f"acc {p.accuracy:5.1%}{hard} eta {_clock(p.eta)} "
    )


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 60}:{s % 60:02d}"


def _check_numbers(args) -> None:
    """Every numeric flag in its range, by flag name, before anything is imported or built."""
    from mmexplorer.engine.recipes import INT_LIMITS, MAX_LR

    for flag, field in (("steps", "steps"), ("batch_size", "batch_scenes"), ("seed", "seed"), ("threads", "threads")):
        value = getattr(args, flag)
        lo, hi = INT_LIMITS[field]
        lo = max(lo, 1) if flag == "threads" else lo
        if value is not None and not lo <= value <= hi:
            raise UserInputError(f"--{flag.replace('_', '-')} must be from {lo} to {hi}, not {value}")
    if args.lr is not None and not 0 < args.lr <= MAX_LR:  # also false for nan; inf is above MAX_LR
        raise UserInputError(f"--lr must be a finite number above 0 and at most {MAX_LR:g}, not {args.lr}")


def run(args) -> int:
    from mmexplorer.data.files import check_output_file

    out = Path(args.out)
    if out.suffix != ".safetensors":
        raise UserInputError(f"--out must end in .safetensors, got {out.name}")
    _check_numbers(args)
    if args.resume and args.force:
        raise UserInputError("--resume continues --out; --force would start it again: give one of them")
    if args.resume:
        if not out.is_file():
            raise UserInputError(f"--resume: {out} does not exist; there is no run to continue")
    else:
        check_output_file(out, args.force)  # a folder, a file where a folder should be, read-only, exists
    tasks = None
    if args.tasks is not None:
        tasks = tuple(t.strip() for t in args.tasks.split(",") if t.strip())
        if set(tasks) - {"itm", "vqa"} or "itm" not in tasks:
            raise UserInputError("--tasks must be itm or itm,vqa")

    from mmexplorer.engine.device import resolve_device
    from mmexplorer.engine.recipes import recipe
    from mmexplorer.engine.train import train
    from mmexplorer.engine.train_state import ResumeError

    try:
        device = resolve_device(args.device)
        settings = recipe(
            args.recipe, args.fusion, steps=args.steps, seed=args.seed, lr=args.lr, batch_scenes=args.batch_size,
            grounding=args.grounding, mlm=args.mlm, tasks=tasks, sharing=args.sharing, threads=args.threads,
            languages=tuple(w.strip() for w in args.languages.split(",") if w.strip()) if args.languages else None,
        )
    except ValueError as exc:
        raise UserInputError(str(exc)) from None

    stop = threading.Event()

    def show(p) -> None:
        if not args.quiet:
            sys.stderr.write(_bar(p))
            sys.stderr.flush()

    try:
        result = train(settings, out, on_progress=show, should_stop=stop.is_set, device=device, resume=args.resume)
    except KeyboardInterrupt:
        stop.set()
        sys.stderr.write("\n")
        kept = f"; the last checkpoint is kept at {out}" if out.exists() else "; no checkpoint was written"
        print(f"error: interrupted{kept}", file=sys.stderr)
        return 130
    except ResumeError as exc:
        if not args.quiet:
            sys.stderr.write("\n")
        raise UserInputError(str(exc)) from None
    except BaseException:
        if not args.quiet:
            sys.stderr.write("\n")  # end the progress line, so the error is a line of its own
        raise
    if not args.quiet:
        sys.stderr.write("\n")
    if not result.history:
        print(f"{result.path} is complete ({settings.fusion}, {result.steps} steps): nothing to resume")
        return 0
    last = result.history[-1]
    print(f"wrote {result.path} ({settings.fusion}, {result.steps} steps, loss {last.loss:.3f}, batch accuracy {last.accuracy:.1%})")
    return 0
