"""One BLAS thread in the window's process.

numpy's OpenBLAS starts a thread per core and spins them on every matrix
product, however small. The window multiplies small matrices (relevancy
propagation, rollout: [tokens + patches] squared) while the engine process keeps
a core busy with its forward pass; OpenBLAS's threads then wait on each other
for the busy core, and an 8 ms propagation took 70-140 ms on the GUI thread (a
loaded 2-core machine), long enough to stall painting. With one thread the same
products take their 8 ms. The engine's torch has its own thread pool and is not
touched by this.
"""

from __future__ import annotations

import ctypes

# Setters as the OpenBLAS builds numpy ships (scipy-openblas, 64-bit ints) and others name them.
SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads", "openblas_set_num_threads64_",
           "openblas_set_num_threads")


def _loaded_openblas() -> list[str]:
    """Paths of the OpenBLAS libraries this process has loaded (Linux /proc; empty elsewhere)."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "openblas" in line.lower() and "/" in line}
    except OSError:
        return []
    return sorted(paths)


def use_one_blas_thread() -> bool:
    """Limit numpy's OpenBLAS to one thread in this process; True when a library took the setting."""
    import numpy  # noqa: F401  (loads numpy's OpenBLAS, if it has one)

    done = False
    for path in _loaded_openblas():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        setter = next((getattr(lib, name) for name in SETTERS if hasattr(lib, name)), None)
        if setter is not None:
            setter(1)
            done = True
    return done
