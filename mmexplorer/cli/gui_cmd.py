"""`mmexplorer gui`: the desktop explorer.

The gui package is loaded by name at run time: the command line and the gui
are separate top-level layers, and `mmexplorer --help` must not import Qt.
"""

from __future__ import annotations

import importlib


def add_parser(sub) -> None:
    p = sub.add_parser("gui", help="open the explorer (the default command)")
    importlib.import_module("mmexplorer.gui.launch").add_arguments(p)


def run(args) -> int:
    return importlib.import_module("mmexplorer.gui.launch").run(args)
