"""The error type for pretrained models the user points at, shared by the window's process and the engine."""

from __future__ import annotations

HF_MISSING = "transformers is not installed: pip install 'mmexplorer[hf]' to open Hugging Face model folders"


class ExternalModelError(ValueError):
    """The folder or file cannot be used as a pretrained model; the message says why and what to do."""
