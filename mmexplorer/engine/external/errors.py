"""The one error type for pretrained models the user points at (bad folder, missing extra, odd weights).

Defined in mmexplorer/errors.py, which the window's process imports too (hub ids, downloads).
"""

from __future__ import annotations

from mmexplorer.errors import HF_MISSING, ExternalModelError  # noqa: F401  (re-exported for the adapters)
