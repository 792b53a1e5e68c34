"""Which exceptions are the user's bad input (exit 2) rather than an internal fault (exit 1).

The error path must not import anything (an import can fail under memory
pressure, and then no `error:` line would be printed at all). An exception can
only be an instance of a class whose module is already imported, so the types
are looked up in sys.modules, never imported.
"""

from __future__ import annotations

import sys

# (module, class) of every error that means "the user's input was bad"
USER_ERRORS = (
    ("mmexplorer.attention.npz", "ProbeFileError"),
    ("mmexplorer.config", "ConfigError"),
    ("mmexplorer.data.image", "ImageError"),
    ("mmexplorer.data.files", "OutputError"),
    ("mmexplorer.data.files", "InputFileError"),
    ("mmexplorer.engine.catalog", "ModelNotFound"),
    ("mmexplorer.engine.external.errors", "ExternalModelError"),
    ("mmexplorer.engine.train", "TrainingDiverged"),
    ("mmexplorer.output_lock", "OutputLocked"),
    ("mmexplorer.models.checkpoint", "CheckpointError"),
    ("mmexplorer.attention.store", "StoreError"),
    ("mmexplorer.engine.bulk.coco", "CocoFileError"),
    ("mmexplorer.engine.bulk.pairs", "PairsFileError"),
    ("mmexplorer.engine.bulk.run", "OutputFolderError"),
    ("mmexplorer.engine.bulk.dist", "DistError"),
    ("mmexplorer.engine.precision", "PrecisionError"),
    ("mmexplorer.engine.bulk.summary", "SummaryFormatError"),
    ("mmexplorer.engine.ablation", "AblationError"),
)


class UserInputError(ValueError):
    """Raised by subcommands for bad arguments found after parsing (e.g. a token that is not in the text)."""


def user_error_types() -> tuple[type, ...]:
    found: list[type] = [FileExistsError, UserInputError]
    for module, name in USER_ERRORS:
        cls = getattr(sys.modules.get(module), name, None)
        if isinstance(cls, type):
            found.append(cls)
    return tuple(found)
