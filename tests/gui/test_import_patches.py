"""What the window's process changes in its libraries at start, each shown to matter in a fresh interpreter."""

import os
import subprocess
import sys

BLAS_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


def _python(code: str, timeout: int = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in BLAS_ENV}  # numpy's BLAS starts at its own thread count
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, env=env)


def test_the_window_keeps_numpys_blas_to_one_thread():
    code = (
        "import numpy\n"
        "from threadpoolctl import threadpool_info\n"
        "from mmexplorer.gui.blas import use_one_blas_thread\n"
        "blas = lambda: sorted({p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas'})\n"
        "before = blas()\n"
        "took = use_one_blas_thread()\n"
        "print(took, before, blas())\n"
    )
    proc = _python(code)
    assert proc.returncode == 0, proc.stderr
    took, rest = proc.stdout.split(" ", 1)
    before, after = rest.strip().split("] [")
    assert took == "True"  # numpy has a BLAS here, and it took the setting
    assert after == "1]"  # every BLAS library at one thread (before: one per core, e.g. [2])
    if (os.cpu_count() or 1) > 1:
        assert before != "[1", "BLAS started with one thread: this test cannot tell the setting's effect"


def test_signal_emits_do_not_use_up_the_references_to_true():
    """Some PySide6 builds drop a reference to True on every emit; unpinned, CPython aborts (gui/qtfix.py)."""
    code = (
        "import sys\n"
        "from PySide6.QtCore import QObject, Signal\n"
        "emits = sys.getrefcount(True) * 2 + 1000  # more emits than True has references\n"
        "from mmexplorer.gui.qtfix import protect\n"
        "protect()\n"
        "class Pinger(QObject):\n"
        "    ping = Signal()\n"
        "pinger = Pinger()\n"
        "for _ in range(emits):\n"
        "    pinger.ping.emit()\n"
        "print('survived', emits)\n"
    )
    proc = _python(code)
    assert proc.returncode == 0, proc.stderr[-2000:]  # without protect(): "Fatal Python error: bool_dealloc"
    assert proc.stdout.startswith("survived")


def test_the_views_import_pyqtgraph_without_the_cuda_bindings():
    """pyqtgraph tries `cuda` at import (GPU arrays); where torch's CUDA wheels are, that loads CUDA's bindings."""
    proc = _python("import sys\nimport mmexplorer.gui.pg\nprint(sorted(m for m in sys.modules if m.split('.')[0] == 'cuda'))")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
