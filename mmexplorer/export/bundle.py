"""An export bundle: the figure, the probe npz and the exact settings, in one folder.

    DIR/figure.<png|svg|pdf>   the figure
    DIR/record.npz             the probe (attention.npz contract)
    DIR/figure_data.npz        the maps exactly as drawn, before colouring (see figure_data.py)
    DIR/input<suffix>          a copy of the input image, so the folder stands alone
    DIR/settings.json          everything needed to make the figure again

settings.json maps one to one onto `mmexplorer export` flags:
model -> --model, image -> --image, text -> --text, view -> --view,
token -> --token, layer -> --layer, head -> --head, method -> --method,
kind -> --kind, patch -> --patch, dpi -> --dpi, colormap -> --colormap,
levels -> --levels (the colour scale [lo, hi] used), opacity -> --opacity,
picture -> --picture, format -> the --out suffix, device -> --device.
`mmexplorer export --from-bundle DIR --out FIG` draws it again from the
stored record, without the model; with --rerun it runs the model again.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import matplotlib
from matplotlib.figure import Figure

from mmexplorer.attention.npz import save_record
from mmexplorer.data.files import (OutputError, default_file_mode, describe_os_error, read_json_file, read_regular_file,
                                   regular_file_problem)
from mmexplorer.data.image import MAX_FILE_BYTES
from mmexplorer.attention.record import AttentionRecord
from mmexplorer.export.errors import ExportError
from mmexplorer.export.figure_data import FIGURE_DATA_FILE, FigureData, save_figure_data
from mmexplorer.export.save import FORMATS, figure_bytes, write_atomic
from mmexplorer.export.settings import FigureSettings

SETTINGS_FILE = "settings.json"
RECORD_FILE = "record.npz"
BUNDLE_VERSION = 2  # 2: figure_data.npz; colormap, levels, opacity and picture in settings.json


@dataclass(frozen=True)
class BundleInputs:
    model: str  # the name or checkpoint path the user gave
    image: str  # the input image path
    text: str
    model_path: Optional[str] = None  # the checkpoint file the name resolved to
    device: str = "cpu"
    relevancy: bool = True  # whether the probe ran the backward pass for relevancy


def _sha256(path: Optional[str]) -> Optional[str]:
    if not path or not Path(path).is_file():
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _versions(record: AttentionRecord) -> dict:
    versions = dict(record.meta.get("versions") or {})
    versions.update(matplotlib=matplotlib.__version__, python=platform.python_version())
    return versions


def bundle_settings(record: AttentionRecord, settings: FigureSettings, inputs: BundleInputs, fmt: str, image_copy: Optional[str]) -> dict:
    return {
        "bundle_version": BUNDLE_VERSION,
        "model": inputs.model,
        "model_path": inputs.model_path,
        "model_sha256": _sha256(inputs.model_path),
        "fusion": record.fusion,
        "image": inputs.image,
        "image_copy": image_copy,
        "text": inputs.text,
        "device": inputs.device,
        "relevancy": inputs.relevancy,
        **settings.to_dict(),
        "token_text": record.tokens[settings.token] if isinstance(settings.token, int) else None,
        "format": fmt,
        "figure": f"figure.{fmt}",
        "record": RECORD_FILE,
        "figure_data": FIGURE_DATA_FILE,
        "versions": _versions(record),
    }


def write_bundle(
    folder: str | os.PathLike,
    fig: Figure | bytes,
    record: AttentionRecord,
    settings: FigureSettings,
    inputs: BundleInputs,
    fmt: str = "png",
    force: bool = False,
    drawn: Optional[FigureData] = None,
) -> Path:
    """Write the bundle; `settings` should be resolved (resolve_settings) so they are exact.

    `fig` may be the already encoded file, so the bundle holds the very bytes
    written elsewhere (drawing a figure twice can move its layout by a pixel).
    `drawn` is what the figure drew (render_view); without it, it is computed
    from the record and settings the same way.
    """
    folder = Path(folder)
    if fmt not in FORMATS:
        raise ExportError(f"unknown figure format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder} exists and is not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise ExportError(f"{folder} exists and is not empty; pass --force to overwrite")
    # Written whole into a temp folder beside it, then swapped in: a full disk or a crash leaves the earlier
    # bundle as it was (never a new figure beside an old record and settings) and no half bundle.
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=folder.parent))
    except OSError as exc:
        raise OutputError(describe_os_error(exc, folder)) from None
    try:
        image_copy = _copy_image(inputs.image, staging)
        data = fig if isinstance(fig, bytes) else figure_bytes(fig, fmt, settings.dpi)
        write_atomic(staging / f"figure.{fmt}", data)
        save_record(record, staging / RECORD_FILE)
        if drawn is None:
            from mmexplorer.export.figures import figure_data

            drawn = figure_data(record, settings)
        save_figure_data(drawn, staging / FIGURE_DATA_FILE)
        text = json.dumps(bundle_settings(record, settings, inputs, fmt, image_copy), indent=2, ensure_ascii=False)
        write_atomic(staging / SETTINGS_FILE, (text + "\n").encode("utf-8"))
        os.chmod(staging, _folder_mode())  # mkdtemp's 0o700 is too private for a folder the user asked for
        _swap_in(staging, folder)
    except OutputError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(str(exc).replace(str(staging), str(folder))) from None  # the user's folder, not the temp one
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def _folder_mode() -> int:
    """What a plainly created folder would get: the file mode, searchable where readable (0o644 -> 0o755)."""
    mode = default_file_mode()
    return mode | (mode & 0o444) >> 2


def _swap_in(staging: Path, folder: Path) -> None:
    """Put the finished bundle in `folder`'s place: the old one moved aside, the new one renamed in, the old removed."""
    aside = None
    try:
        if folder.exists():
            aside = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".old", dir=folder.parent))
            os.rename(folder, aside / "bundle")
        try:
            os.rename(staging, folder)
        except OSError:
            if aside is not None:
                os.rename(aside / "bundle", folder)  # put the earlier bundle back
            raise
    except OSError as exc:
        raise OutputError(describe_os_error(exc, folder)) from None
    finally:
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)


def _copy_image(image: str, folder: Path) -> Optional[str]:
    """Copy the input image into the bundle (atomically, so a full disk leaves no 0-byte input file)."""
    source = Path(image)
    if regular_file_problem(source):
        return None
    name = "input" + source.suffix.lower()
    write_atomic(folder / name, read_regular_file(source, MAX_FILE_BYTES, ExportError))
    return name


# the bundle's own fields: name -> (may be null, must be a plain file name inside the bundle)
_TEXT_FIELDS = {"model": (False, False), "image": (False, False), "text": (False, False), "device": (True, False),
                "model_path": (True, False), "image_copy": (True, True), "record": (True, True),
                "figure_data": (True, True), "format": (True, False), "token_text": (True, False)}


def _check_stored_inputs(path: Path, data: dict) -> None:
    """Each stored input has its type; the files it names lie inside the bundle (ExportError naming the field)."""
    for name, (nullable, inside) in _TEXT_FIELDS.items():
        if name not in data and nullable:
            continue
        value = data.get(name)
        if value is None and nullable:
            continue
        if not isinstance(value, str):
            raise ExportError(f"{path}: field {name} must be text{' or null' if nullable else ''}, not {type(value).__name__}")
        if "\0" in value:
            raise ExportError(f"{path}: field {name} holds a NUL character")
        if inside and (value in ("", ".", "..") or "/" in value or "\\" in value):
            raise ExportError(f"{path}: field {name} must name a file inside the bundle, not {value!r}")
    if "relevancy" in data and not isinstance(data["relevancy"], bool):
        raise ExportError(f"{path}: field relevancy must be true or false")


def read_bundle(folder: str | os.PathLike) -> tuple[BundleInputs, FigureSettings, dict]:
    """(inputs, figure settings, the whole settings dict) from a bundle folder.

    The image is the bundle's own copy when it has one, else the recorded path.
    """
    folder = Path(folder)
    path = folder / SETTINGS_FILE
    if not os.path.lexists(path):  # anything else there (a FIFO, a device, 1 GiB) is for the reader to refuse
        raise ExportError(f"{folder} is not an export bundle (no {SETTINGS_FILE})")
    try:
        data = read_json_file(path, ExportError)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        _check_stored_inputs(path, data)
        copy = data.get("image_copy")
        image = str(folder / copy) if copy and (folder / copy).is_file() else data["image"]
        inputs = BundleInputs(
            model=data["model"],
            image=image,
            text=data["text"],
            model_path=data.get("model_path"),
            device=data.get("device", "cpu"),
            relevancy=bool(data.get("relevancy", True)),
        )
        settings = FigureSettings.from_dict(data)
    except ExportError:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise ExportError(f"{path} is malformed ({exc})") from None
    return inputs, settings, data
