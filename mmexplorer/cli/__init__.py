"""The command line: `mmexplorer [gui|models|probe|cell|export|train|eval|pairs-from-coco|desktop] ...`.

Each subcommand lives in its own module with `add_parser(subparsers)` and
`run(args) -> int`. Nothing heavy (torch, Qt) is imported until a subcommand runs,
so `mmexplorer` can show its window before torch has loaded.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from mmexplorer import __version__

# subcommand name -> module under mmexplorer.cli
SUBCOMMANDS = {
    "gui": "gui_cmd",
    "models": "models_cmd",
    "probe": "probe_cmd",
    "cell": "cell_cmd",
    "export": "export_cmd",
    "train": "train_cmd",
    "eval": "eval_cmd",
    "desktop": "desktop_cmd",
    "pairs-from-coco": "pairs_cmd",
}


class UsageError(Exception):
    """Bad input or usage: exit 2 with one `error:` line."""


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse prints usage + exits 2; we want one line
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="mmexplorer",
        description="Explore attention and modality fusion in multimodal (image + text) transformers. "
        "With no command, opens the explorer.",
    )
    parser.add_argument("--version", action="version", version=f"mmexplorer {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=ArgumentParser)
    for name, module in SUBCOMMANDS.items():
        importlib.import_module(f"mmexplorer.cli.{module}").add_parser(sub)
    return parser


def _user_errors() -> tuple[type, ...]:
    """Exception types that mean the user's input was bad (exit 2), imported lazily."""
    from mmexplorer.cli.errors import user_error_types

    return user_error_types()


def _is_picture(arg: str) -> bool:
    """`mmexplorer photo.jpg` (what a file manager runs) opens the explorer on that picture."""
    import os

    return arg not in SUBCOMMANDS and (os.path.isfile(arg) or os.path.splitext(arg)[1].lower() in PICTURE_SUFFIXES)


PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version") or _is_picture(argv[0]):
            argv = ["gui", *argv]
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
    except Exception as exc:
        if isinstance(exc, _user_errors()):
            print(f"error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}", file=sys.stderr)
            return 2
        import traceback

        traceback.print_exc()
        print(f"error: internal fault: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
