"""Reading saved work for the window: a probe npz into the values the views draw (numpy only, no torch)."""

from __future__ import annotations

import itertools

from PySide6.QtCore import QT_TRANSLATE_NOOP

from mmexplorer.gui.saved_work import SavedWork, model_info_of, picture_of, saved_work_of

PROBE_FILTER = QT_TRANSLATE_NOOP("MainWindow", "Saved probes (*.npz);;All files (*)")
# Saved records are numbered below zero (probes count up from one): each shown record has its own id, which the
# views' drawn-state memos are keyed on, so stepping through stored pairs always redraws.
_SAVED_IDS = itertools.count(-1, -1)


def saved_result(record, picture, source: str):
    """(SavedWork, ProbeResult, ModelInfo) for a record and its picture (uint8 [H, W, 3] or None)."""
    from mmexplorer.gui.messages import ProbeResult

    image = picture_of(record, picture)
    result = ProbeResult(request_id=next(_SAVED_IDS), record=record, image=image, text=str(record.meta.get("text", "")), seconds=0.0,
                         device=str(record.meta.get("device", "?")))
    return saved_work_of(record, source), result, model_info_of(record)


def read_saved_probe(path: str) -> tuple[SavedWork, object, object]:
    """A probe npz -> what state.show_saved takes; ValueError (ProbeFileError) says why a file is not one."""
    from mmexplorer.attention.npz import load_record_and_picture

    record, picture = load_record_and_picture(path)
    return saved_result(record, picture, path)
