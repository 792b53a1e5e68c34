"""Drops, mime data and expected maps shared by the explorer tests."""

import contextlib
import os

import numpy as np
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from mmexplorer.attention.maps import token_image_map


def drop(window, mime: QMimeData) -> None:
    """Deliver a drop of `mime` to the window the way Qt does after a drag."""
    event = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)  # Qt only routes a real drag's drop through sendEvent, so call the handler


def file_mime(path) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    return mime


def expected_map(state) -> np.ndarray:
    """What the cross-modal view should hold for the state's current focus, computed independently."""
    record = state.record
    scores = token_image_map(record, state.token, state.layer_of(record.cross_kind), state.head_arg, state.map_method)[0]
    return np.asarray(scores, dtype=np.float32)  # the view keeps float32, as ImageItem draws it


def shown_map(explorer) -> np.ndarray:
    """The scores behind the cross-modal overlay (test_views checks the overlay's colours are these scores')."""
    return explorer.window.views["cross"].image.map


@contextlib.contextmanager
def engine_held(explorer, gate):
    """Probes sent inside wait in the engine until the block ends (a slow model).

    `gate` is a file path: the engine's test hook holds a probe while the file exists.
    """
    open(gate, "w").close()
    explorer.client.test_hooks["hold"] = str(gate)
    try:
        yield
    finally:
        release(gate)


def release(gate) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(gate)
