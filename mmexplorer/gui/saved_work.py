"""Saved work shown in the explorer: a probe npz, or one pair of a batch run's results store.

The record is drawn by every view as if the model had just run; the model
controls are off, since the model that made it may not be loadable here (a
model held only in memory by a script never is), and the banner says which
model made it and how to open that model to run it again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Optional

from PySide6.QtCore import QCoreApplication

translate = QCoreApplication.translate


@dataclass(frozen=True)
class SavedWork:
    source: str  # the npz file, or "FOLDER, pair K"
    model: str  # the model's name as the record carries it
    fusion: str
    model_path: Optional[str]  # how to open the model again; "" when it was held only in memory; None: not recorded

    def reopen_hint(self) -> str:
        if self.model_path == "":
            return translate("SavedWork", "Its model was held in memory by a script, so it cannot run here; save it with "
                             "save_pretrained and open that folder to explore it live.")
        return translate("SavedWork", "To run the model again, open it: mmexplorer gui --model {model}").format(
            model=self.model_path or self.model)


def saved_work_of(record, source: str) -> SavedWork:
    path = record.meta.get("model_path")
    return SavedWork(source, record.model, record.fusion, None if path is None else str(path))


def model_info_of(record):
    """The model panel's facts, as far as the record carries them (its config and spec)."""
    from mmexplorer.gui.messages import ModelInfo

    meta = record.meta
    config = meta.get("config") if isinstance(meta.get("config"), dict) else {}
    spec = meta.get("spec") if isinstance(meta.get("spec"), dict) else {"fusion": record.fusion}
    return ModelInfo(name=record.model, fusion=record.fusion, path=str(meta.get("model_path") or ""), source="saved",
                     device=str(meta.get("device", "?")), parameters=int(config.get("parameters", 0) or 0),
                     has_cross_modal_attention=record.cross_kind is not None,
                     config_json=json.dumps(config, default=str), spec_json=json.dumps(spec, default=str))


def picture_of(record, picture=None):
    """The LoadedImage the views draw under the maps: the stored picture, the file it was read from, or grey."""
    import numpy as np

    from mmexplorer.data.image import ImageError, LoadedImage, load_image

    width, height = (int(v) for v in record.image_size)
    if picture is not None:
        return LoadedImage(np.ascontiguousarray(picture), translate("SavedWork", "the saved picture"))
    source = record.meta.get("image_source")
    if source:
        try:
            loaded = load_image(str(source))
            if loaded.size == (width, height):
                return loaded
        except ImageError:
            pass
    blank = np.full((max(1, height), max(1, width), 3), 200, np.uint8)
    return LoadedImage(blank, translate("SavedWork", "no picture saved (grey)"))
