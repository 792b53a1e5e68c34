"""explore(): the desktop explorer opened on a record, a model, or a results store, in its own process.

The explorer is a separate process (its window never imports torch, and a
notebook's kernel keeps running): a record is written to a temporary probe
npz and opened as saved work; a model the explorer can load by name or path
opens live; a model held only in memory is probed here and its record opened,
the explorer saying why it cannot run it again.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional

from mmexplorer.api.images import as_image
from mmexplorer.api.model import Model, probe
from mmexplorer.api.record import Record
from mmexplorer.api.results import Results


def explorer_command(record_or_model, image=None, text: Optional[str] = None) -> list[str]:
    """The `mmexplorer gui ...` command line that opens the explorer on it (files written as needed)."""
    command = [sys.executable, "-m", "mmexplorer", "gui"]
    if isinstance(record_or_model, Results):
        return command + ["--results", str(Path(record_or_model.folder).resolve())]
    if isinstance(record_or_model, Model) and record_or_model.in_memory:
        if image is None or text is None:
            raise ValueError("a model held only in memory cannot be opened by the explorer itself: "
                             "give image= and text= to probe it here and open its record")
        record_or_model = probe(record_or_model, image, text)
    if isinstance(record_or_model, Record):
        if image is not None or text is not None:
            raise ValueError("a record already holds its picture and text; image= and text= go with a model")
        return command + ["--probe", str(record_or_model.save(_scratch() / "record.npz"))]
    if isinstance(record_or_model, Model):
        command += ["--model", record_or_model.path, "--device", record_or_model.device]
        if image is not None:
            command += ["--image", _image_path(image)]
        if text is not None:
            command += ["--text", str(text)]
        return command
    raise TypeError(f"explore needs a Record, a Model or Results, not {type(record_or_model).__name__}")


def explore(record_or_model, image=None, text: Optional[str] = None, wait: bool = False) -> subprocess.Popen:
    """Open the desktop explorer on a Record, a Model (with an optional picture and text) or Results.

    Returns the explorer's process; with `wait`, returns once its window is closed.
    """
    process = subprocess.Popen(explorer_command(record_or_model, image, text))
    if wait:
        process.wait()
    return process


def _scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="mmexplorer-"))


def _image_path(image) -> str:
    """A path the explorer can open: the file itself, or the picture written as PNG."""
    if isinstance(image, (str, Path)):
        return str(Path(image).resolve())
    from PIL import Image

    path = _scratch() / "picture.png"
    Image.fromarray(as_image(image).pixels).save(path)
    return str(path)
