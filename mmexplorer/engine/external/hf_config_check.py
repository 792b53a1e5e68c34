"""A Hugging Face model folder's config.json checked before transformers builds anything.

transformers trusts config.json: 100,000 layers take minutes and gigabytes to
build, `patch_size` 0 divides by zero, a negative head count or a list where a
string belongs fails deep inside with an unrelated error. check_hf_config runs
where config.json is first read (engine.external.detect) and refuses such a
folder with one line naming the file and the field. It also compares the
config with the shapes in the safetensors header (read without loading a tensor)
and refuses pickled weights, which this project never loads.

    check_hf_config(folder, data)   # raises ExternalModelError, returns None when the folder is sane
"""

from __future__ import annotations

import re
from pathlib import Path

from mmexplorer.data.files import regular_file_problem
from mmexplorer.engine.external.errors import ExternalModelError

# field -> (lowest, highest). Far beyond any released model, far below what would exhaust memory.
INT_FIELDS = {
    "hidden_size": (1, 16_384),
    "num_hidden_layers": (1, 256),
    "num_attention_heads": (1, 512),
    "intermediate_size": (1, 131_072),
    "patch_size": (1, 1024),
    "image_size": (1, 8192),
    "num_channels": (1, 16),
    "max_position_embeddings": (1, 65_536),
    "vocab_size": (1, 1_000_000),
    "projection_dim": (1, 16_384),
    "num_labels": (1, 1_000_000),
}
MAX_PATCHES = 65_536  # (image_size / patch_size)^2
MAX_HEADER_BYTES = 100 * 1024 * 1024  # a safetensors header larger than this is not a model we can open
MAX_FOLDER_ENTRIES = 10_000
PICKLE_WEIGHTS = ("pytorch_model.bin", "tf_model.h5", "flax_model.msgpack")
_LAYER_INDEX = re.compile(r"\.layers?\.(\d+)\.")


def check_hf_config(folder: str | Path, data: dict) -> None:
    """Refuse a config.json (already parsed into `data`) that transformers should not be allowed to build."""
    folder = Path(folder)
    config = folder / "config.json"
    if not isinstance(data, dict):
        raise ExternalModelError(f"{config} is not a model config (a JSON object)")
    _check_files(folder)
    _check_names(config, data)
    sections = _sections(config, data)
    for where, section in sections.items():
        _check_section(config, where, section)
    _check_weights(folder, sections)


def _check_files(folder: Path) -> None:
    """Every file transformers may open is a regular file: a FIFO among them would block it forever."""
    try:
        entries = sorted(folder.iterdir())[:MAX_FOLDER_ENTRIES]
    except OSError as exc:
        raise ExternalModelError(f"{folder} cannot be listed ({exc.strerror or exc})") from None
    for entry in entries:
        if entry.is_dir() and not entry.is_symlink():
            continue
        problem = regular_file_problem(entry)
        if problem and problem != "is a folder":
            raise ExternalModelError(f"{folder}: {entry.name} {problem}; a model folder holds only regular files")


def _json_type(value) -> str:
    return {type(None): "null", bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def _check_names(config: Path, data: dict) -> None:
    architectures = data.get("architectures")
    if architectures is not None and (
        not isinstance(architectures, list) or not all(isinstance(a, str) for a in architectures)
    ):
        raise ExternalModelError(
            f"{config}: field architectures must be a list of class names, not {_json_type(architectures)}"
        )
    model_type = data.get("model_type")
    if model_type is not None and not isinstance(model_type, str):
        raise ExternalModelError(f"{config}: field model_type must be a string, not {_json_type(model_type)}")


def _sections(config: Path, data: dict) -> dict[str, dict]:
    """The top level and every nested *_config object (CLIP's vision_config, text_config), by field prefix."""
    sections = {"": data}
    for key, value in data.items():
        if key.endswith("_config") and key != "quantization_config" and value is not None:
            if not isinstance(value, dict):
                raise ExternalModelError(f"{config}: field {key} must be an object, not {_json_type(value)}")
            sections[f"{key}."] = value
    return sections


def _check_section(config: Path, where: str, section: dict) -> None:
    for name, (lo, hi) in INT_FIELDS.items():
        if name not in section:
            continue
        value = section[name]
        if isinstance(value, bool) or not isinstance(value, int):
            raise ExternalModelError(f"{config}: field {where}{name} must be an integer, not {_json_type(value)}")
        if not lo <= value <= hi:
            raise ExternalModelError(f"{config}: field {where}{name} is {value}; expected an integer from {lo} to {hi}")
    hidden, heads = section.get("hidden_size"), section.get("num_attention_heads")
    if hidden and heads and hidden % heads:
        raise ExternalModelError(
            f"{config}: field {where}hidden_size {hidden} is not divisible by {where}num_attention_heads {heads}"
        )
    image, patch = section.get("image_size"), section.get("patch_size")
    if image and patch:
        if patch > image:
            raise ExternalModelError(f"{config}: field {where}patch_size {patch} is larger than {where}image_size {image}")
        if (image // patch) ** 2 > MAX_PATCHES:
            raise ExternalModelError(
                f"{config}: fields {where}image_size {image} and {where}patch_size {patch} give "
                f"{(image // patch) ** 2} patches; the limit is {MAX_PATCHES}"
            )


# -- the weights, from the safetensors header only ----------------------------------

def _check_weights(folder: Path, sections: dict[str, dict]) -> None:
    shards = sorted(folder.glob("*.safetensors"))
    if not shards:
        pickled = [name for name in PICKLE_WEIGHTS if (folder / name).exists()]
        if pickled:
            raise ExternalModelError(
                f"{folder}: its weights are in {pickled[0]} (a pickle, which can run code); only .safetensors "
                "weights are opened: convert it with save_pretrained(..., safe_serialization=True)"
            )
        return  # transformers says what is missing
    shapes: dict[str, list[int]] = {}
    for shard in shards:
        shapes.update(_header_shapes(shard))
    _compare(folder / "config.json", sections, shapes)


def _header_shapes(path: Path) -> dict[str, list[int]]:
    """tensor name -> shape, from the JSON header of a safetensors file (no tensor data is read)."""
    from mmexplorer.data.files import read_safetensors_header

    header = read_safetensors_header(path, ExternalModelError)  # bounded in bytes and depth, never a FIFO
    try:
        return {k: [int(n) for n in v["shape"]] for k, v in header.items()
                if k != "__metadata__" and isinstance(v, dict) and "shape" in v}
    except (ValueError, KeyError, TypeError) as exc:
        raise ExternalModelError(f"{path} is not a readable safetensors file ({exc})") from None


def _section_for(name: str, sections: dict[str, dict]) -> tuple[str, dict]:
    """The config section a tensor belongs to: vision_model.* -> vision_config, text_model.* -> text_config."""
    for prefix, key in (("vision_model.", "vision_config."), ("text_model.", "text_config.")):
        if name.startswith(prefix) and key in sections:
            return key, sections[key]
    return "", sections[""]


def _compare(config: Path, sections: dict[str, dict], shapes: dict[str, list[int]]) -> None:
    layers: dict[str, set[int]] = {}
    for name, shape in shapes.items():
        where, section = _section_for(name, sections)
        hidden = section.get("hidden_size")
        if name.endswith(("patch_embedding.weight", "patch_embeddings.projection.weight")) and len(shape) == 4:
            if hidden and shape[0] != hidden:
                raise ExternalModelError(
                    f"{config}: field {where}hidden_size is {hidden} but the weights' {name} has width {shape[0]}"
                )
            patch = section.get("patch_size")
            if patch and shape[2] != patch:
                raise ExternalModelError(
                    f"{config}: field {where}patch_size is {patch} but the weights' {name} has {shape[2]}x{shape[3]} patches"
                )
        if name.endswith(("token_embedding.weight", "word_embeddings.weight")) and len(shape) == 2:
            if hidden and shape[1] != hidden:
                raise ExternalModelError(
                    f"{config}: field {where}hidden_size is {hidden} but the weights' {name} has width {shape[1]}"
                )
        match = _LAYER_INDEX.search(name)
        if match and ".encoder." in f".{name}":
            layers.setdefault(where, set()).add(int(match.group(1)))
    for where, found in layers.items():
        claimed = sections[where].get("num_hidden_layers")
        if claimed and claimed != len(found):
            raise ExternalModelError(
                f"{config}: field {where}num_hidden_layers is {claimed} but the weights hold {len(found)} encoder layers"
            )
