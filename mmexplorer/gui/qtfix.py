"""Guard against a reference-count fault in some PySide6 builds.

Affected builds drop a reference to `True` on every Python-side
`Signal.emit()` and to `None` whenever a Qt value converts to None (e.g.
`QComboBox.currentData()` on an empty box). The singletons' counts then reach
zero after a few hundred emits and CPython aborts ("bool_dealloc: deallocating
True or False"). pyqtgraph emits signals constantly, so no amount of care in
our own code avoids it.

`protect()` measures the fault once; only when it is present does it give the
three singletons a reference count no run of the app can exhaust -- what CPython 3.12
does for them anyway ("immortal objects"), so there the call changes nothing.
"""

from __future__ import annotations

import ctypes
import sys

_PIN = 1 << 40  # ~10^12 extra references: more emits than any run makes
_done = False


def _leaks_true() -> bool:
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    return sys.getrefcount(True) < before


def protect() -> bool:
    """Pin True, False and None if this PySide6 build leaks their references. True when it pinned them."""
    global _done
    if _done:
        return False
    _done = True
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False  # 3.12+: the singletons are immortal already
    if not _leaks_true():
        return False
    for obj in (True, False, None):
        ctypes.c_ssize_t.from_address(id(obj)).value += _PIN  # ob_refcnt is the first field of every object
    return True
