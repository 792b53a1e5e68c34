"""The command line: `mmexplorer [gui|models|probe|cell|export|train|eval|ablate|curves|pairs-from-coco|desktop] ...`.

Each subcommand lives in its own module with `add_parser(subparsers)` and
`run(args) -> int`. Nothing heavy (torch, Qt) is imported until a subcommand runs,
so `mmexplorer` can show its window before torch has loaded.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback  # imported now: the error path below imports nothing

from mmexplorer import __version__
from mmexplorer.cli.errors import user_error_types

# subcommand name -> module under mmexplorer.cli
SUBCOMMANDS = {
    "gui": "gui_cmd",
    "models": "models_cmd",
    "probe": "probe_cmd",
    "cell": "cell_cmd",
    "export": "export_cmd",
    "train": "train_cmd",
    "eval": "eval_cmd",
    "ablate": "ablate_cmd",
    "curves": "curves_cmd",
    "desktop": "desktop_cmd",
    "pairs-from-coco": "pairs_cmd",
}


class UsageError(Exception):
    """Bad input or usage: exit 2 with one `error:` line."""


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse prints usage + exits 2; we want one line
        raise UsageError(message)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or with `only` just that subcommand (the others' modules stay unimported)."""
    parser = ArgumentParser(
        prog="mmexplorer",
        description="Explore attention and modality fusion in multimodal (image + text) transformers. "
        "With no command, opens the explorer.",
    )
    parser.add_argument("--version", action="version", version=f"mmexplorer {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=ArgumentParser)
    for name, module in SUBCOMMANDS.items():
        if only is None or name == only:
            importlib.import_module(f"mmexplorer.cli.{module}").add_parser(sub)
    return parser


def _is_picture(arg: str) -> bool:
    """`mmexplorer photo.jpg` (what a file manager runs) opens the explorer on that picture."""
    return arg not in SUBCOMMANDS and (os.path.isfile(arg) or os.path.splitext(arg)[1].lower() in PICTURE_SUFFIXES)


PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version") or _is_picture(argv[0]):
            argv = ["gui", *argv]
        # A subcommand named first needs only its own parser: the explorer opens without
        # importing the other eight commands' modules first.
        parser = build_parser(argv[0] if argv and argv[0] in SUBCOMMANDS else None)
        args = parser.parse_args(argv)
        if args.command is None:
            args = parser.parse_args(["gui"])
        module = importlib.import_module(f"mmexplorer.cli.{SUBCOMMANDS[args.command]}")
        return int(module.run(args) or 0)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        print("error: out of memory (the input or settings need more memory than this machine has)", file=sys.stderr)
        return 2
    except Exception as exc:
        if isinstance(exc, user_error_types()):
            print(f"error: {_first_line(exc)}", file=sys.stderr)
            return 2
        try:
            traceback.print_exc()
        except Exception:
            pass
        print(f"error: internal fault: {type(exc).__name__}: {_first_line(exc)}", file=sys.stderr)
        return 1


def _first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type name when it has none), never raising."""
    try:
        text = str(exc).strip()
    except Exception:
        text = ""
    return text.splitlines()[0] if text else type(exc).__name__
