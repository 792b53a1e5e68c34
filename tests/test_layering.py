"""Rules import-linter cannot express: no pyplot anywhere; the GUI start-up path never imports torch."""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "mmexplorer"


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{a.name}" for a in node.names)


def test_nothing_imports_pyplot():
    offenders = [str(p) for p in PACKAGE.rglob("*.py") if any(m.startswith("matplotlib.pyplot") for m in _imports(p))]
    assert offenders == []


def test_importing_the_cli_does_not_import_torch_or_qt():
    code = "import sys, mmexplorer.cli; mmexplorer.cli.build_parser(); print(sorted(m for m in ('torch','PySide6','matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_engine_entry_point_named_by_the_protocol_is_the_engines_main():
    """protocol/spawn.py names the engine by a string (the window never imports it); the name must stay true."""
    import importlib
    import inspect

    from mmexplorer.protocol.spawn import ENGINE_SERVICE

    main = importlib.import_module(ENGINE_SERVICE).main
    assert list(inspect.signature(main).parameters) == ["conn", "bundled_models", "niceness", "leave_a_core"]
