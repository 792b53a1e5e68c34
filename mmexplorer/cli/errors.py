"""Which exceptions are the user's bad input (exit 2) rather than an internal fault (exit 1)."""

from __future__ import annotations


def user_error_types() -> tuple[type, ...]:
    from mmexplorer.attention.npz import ProbeFileError
    from mmexplorer.config import ConfigError
    from mmexplorer.data.image import ImageError
    from mmexplorer.engine.catalog import ModelNotFound
    from mmexplorer.engine.external.errors import ExternalModelError
    from mmexplorer.models.checkpoint import CheckpointError

    return (ImageError, CheckpointError, ModelNotFound, ConfigError, ProbeFileError, FileExistsError, UserInputError,
            ExternalModelError, *_batch_error_types())


def _batch_error_types() -> tuple[type, ...]:
    from mmexplorer.attention.store import StoreError
    from mmexplorer.engine.bulk.coco import CocoFileError
    from mmexplorer.engine.bulk.pairs import PairsFileError
    from mmexplorer.engine.bulk.run import OutputFolderError

    return (PairsFileError, OutputFolderError, StoreError, CocoFileError)


class UserInputError(ValueError):
    """Raised by subcommands for bad arguments found after parsing (e.g. a token that is not in the text)."""
