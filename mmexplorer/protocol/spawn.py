"""The engine process's entry point, light to import in the window's process.

multiprocessing's spawn names the target function by module, so the window
imports this module to start the engine. The engine is named here by a string
and imported in the child alone: the window's process never imports
mmexplorer.engine (nor torch behind it), and can start the engine before it has
loaded numpy.
"""

from __future__ import annotations

import importlib

ENGINE_SERVICE = "mmexplorer.engine.service"  # its main(conn, bundled_models, niceness, leave_a_core)


def run_engine(*args) -> None:
    """engine.service.main, in the child process."""
    importlib.import_module(ENGINE_SERVICE).main(*args)
