"""One BLAS thread in the window's process.

numpy's OpenBLAS starts a thread per core and spins them on every matrix
product, however small. The window multiplies small matrices (relevancy
propagation, rollout: [tokens + patches] squared) while the engine process keeps
a core busy with its forward pass; OpenBLAS's threads then wait on each other
for the busy core, and an 8 ms propagation took 70-140 ms on the GUI thread (a
loaded 2-core machine), long enough to stall painting. With one thread the same
products take their 8 ms. The engine's torch has its own thread pool and is not
touched by this. threadpoolctl finds the BLAS libraries numpy loaded, whichever
build and symbol names they have.
"""

from __future__ import annotations


def use_one_blas_thread() -> bool:
    """Limit the BLAS libraries this process has loaded to one thread; True when one took the setting."""
    import numpy  # noqa: F401  (loads numpy's BLAS, so threadpoolctl finds it)
    from threadpoolctl import threadpool_info, threadpool_limits

    threadpool_limits(limits=1, user_api="blas")  # not used as a context: the limit holds for the process's life
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    return bool(blas) and all(pool["num_threads"] == 1 for pool in blas)
