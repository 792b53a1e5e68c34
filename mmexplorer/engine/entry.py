"""The engine process's entry point, light to import in the window's process.

multiprocessing's spawn names the target function by module, so the window
imports that module to start the engine. This one imports nothing: the
window can start the engine before it has loaded numpy (engine/service.py,
engine/calls.py and the wire format need it), and the child loads the rest.
"""

from __future__ import annotations


def main(*args) -> None:
    """engine.service.main, in the child process."""
    from mmexplorer.engine.service import main as serve

    serve(*args)
