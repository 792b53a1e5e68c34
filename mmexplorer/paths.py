"""Where models and settings live: bundled under resources/, the user's in a platform data folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from mmexplorer.config import RESOURCES

BUNDLED_MODELS = RESOURCES / "models"
SAMPLES = RESOURCES / "samples"


def user_data_dir() -> Path:
    """Platform data folder: $MMEXPLORER_HOME, else XDG / Application Support / %APPDATA%."""
    override = os.environ.get("MMEXPLORER_HOME")
    if override:
        return Path(override)
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "mmexplorer"
    if os.name == "nt":
        return Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "mmexplorer"
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "mmexplorer"


def user_models_dir() -> Path:
    return user_data_dir() / "models"
