"""Model configuration: one dataclass, variants stored as JSON under mmexplorer/resources/configs.

A checkpoint carries its config as JSON, so a model can be rebuilt from the
checkpoint file alone.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import json
from dataclasses import dataclass, field
from pathlib import Path

from mmexplorer import families

# The package's own data folder (mmexplorer/resources), found through importlib so an
# installed wheel and a source checkout resolve it the same way. A regular package on
# disk gives a real Path, which the rest of the code relies on.
RESOURCES = Path(str(importlib.resources.files("mmexplorer.resources")))
CONFIG_DIR = RESOURCES / "configs"


class ConfigError(ValueError):
    """A config that cannot describe a model (unknown field, bad value)."""


@dataclass(frozen=True)
class ModelConfig:
    name: str = "model"
    fusion: str = "early"  # key into the fusion registry: early | cross | hybrid | late | contrastive
    image_size: int = 128  # images are brought to image_size x image_size before patching (see preprocess)
    patch_size: int = 16  # grid = image_size // patch_size per side
    width: int = 128  # the shared width both modalities are projected into
    depth: int = 4  # transformer layers of the main stack (joint stack for early fusion)
    unimodal_depth: int = 2  # per-modality layers before fusion (cross, hybrid) or the whole encoder depth (late, contrastive)
    heads: int = 4
    mlp_ratio: float = 2.0
    dropout: float = 0.0
    pos_embed: str = "learned"  # "learned" or "sincos" (fixed; 2D for patches, 1D for text)
    max_text_len: int = 24  # word tokens kept after tokenising; longer text is truncated
    vocab: tuple[str, ...] = ()  # word vocabulary (specials are added by the tokenizer)
    tasks: tuple[str, ...] = ("itm",)  # "itm" (image-text matching), "vqa" (answer a colour/shape question)
    sharing: str = "hard"  # multi-task parameter sharing: "hard" (one backbone) or "soft" (a backbone per task, tied by L2)
    answers: tuple[str, ...] = ()  # answer classes for the vqa head
    # "square": the whole picture resized to the square input (every first-generation checkpoint, whose config
    # has no such field); "letterbox": scaled to fit, aspect ratio kept, the rest padded and masked out of attention
    preprocess: str = "square"
    # What the model was trained with; recorded so the summary can show it.
    objectives: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_fields(self)

    @property
    def grid(self) -> tuple[int, int]:
        side = self.image_size // self.patch_size
        return side, side

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        for key in ("vocab", "tasks", "answers"):
            d[key] = list(d[key])
        if d["preprocess"] == "square":  # first-generation configs never had the field: theirs stay as they were
            del d["preprocess"]
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict) -> "ModelConfig":
        if not isinstance(d, dict):
            raise ConfigError("config must be a JSON object")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ConfigError(f"unknown config field(s): {', '.join(unknown)}")
        d = dict(d)
        for key in ("vocab", "tasks", "answers"):
            if key in d:
                if not isinstance(d[key], (list, tuple)):
                    raise ConfigError(f"config field {key} must be a list of strings, not {_json_type(d[key])}")
                d[key] = tuple(d[key])
        try:
            return cls(**d)
        except TypeError as exc:
            raise ConfigError(str(exc)) from None

    @classmethod
    def from_json(cls, text: str) -> "ModelConfig":
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as exc:
            raise ConfigError(f"config is not valid JSON: {exc}") from None

    def replace(self, **changes) -> "ModelConfig":
        return dataclasses.replace(self, **changes)


# field -> (lowest, highest) accepted; generous for anything this explorer can run, far below
# what would exhaust memory while building the model (the memory bound is checked separately).
INT_RANGES = {
    "image_size": (1, 4096),
    "patch_size": (1, 4096),
    "width": (1, 8192),
    "depth": (1, 256),
    "unimodal_depth": (0, 256),
    "heads": (1, 512),
    "max_text_len": (1, 8192),
}
FLOAT_RANGES = {"mlp_ratio": (0.0, 64.0), "dropout": (0.0, 1.0)}  # mlp_ratio > 0, dropout < 1
MAX_VOCAB = 1_000_000
MAX_PATCHES = 65_536  # patches per image (a 256 x 256 grid)
TASKS = ("itm", "vqa")
PREPROCESS = ("square", "letterbox")


def _json_type(value) -> str:
    """The JSON name of a value's type, for messages about configs written as JSON."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def check_fields(cfg: "ModelConfig") -> None:
    """Every field of a config has the right type and a sane value; ConfigError names the first that has not.

    Runs before anything is built, so a hostile config fails here with its field
    named, never inside an allocator, a TypeError or an AttributeError.
    """
    for name, (lo, hi) in INT_RANGES.items():
        value = getattr(cfg, name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"config field {name} must be an integer, not {_json_type(value)}")
        if not lo <= value <= hi:
            raise ConfigError(f"config field {name} is {value}; expected an integer from {lo} to {hi}")
    for name, (lo, hi) in FLOAT_RANGES.items():
        value = getattr(cfg, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"config field {name} must be a number, not {_json_type(value)}")
        if not (value == value and lo <= value <= hi) or (name == "mlp_ratio" and value <= 0) or (name == "dropout" and value >= 1):
            what = "a number above 0 and at most 64" if name == "mlp_ratio" else "a number from 0 to below 1"
            raise ConfigError(f"config field {name} is {value}; expected {what}")
    if cfg.fusion not in families.bundled_names():
        raise ConfigError(f"unknown fusion {cfg.fusion!r} in config field fusion; expected one of "
                          f"{', '.join(families.bundled_names())}")
    for name, choices in (("pos_embed", ("learned", "sincos")), ("sharing", ("hard", "soft")),
                          ("preprocess", PREPROCESS)):
        value = getattr(cfg, name)
        if value not in choices:
            raise ConfigError(f"config field {name} is {_json_type(value)}; expected one of {', '.join(choices)}")
    if not isinstance(cfg.name, str) or not 0 < len(cfg.name) <= 200:
        raise ConfigError(f"config field name must be a string of 1 to 200 characters, not {_json_type(cfg.name)}")
    for name, limit in (("vocab", MAX_VOCAB), ("answers", MAX_VOCAB), ("tasks", len(TASKS))):
        values = getattr(cfg, name)
        if not isinstance(values, tuple) or not all(isinstance(v, str) for v in values):
            raise ConfigError(f"config field {name} must be a list of strings")
        if len(values) > limit:
            raise ConfigError(f"config field {name} has {len(values)} entries; the limit is {limit}")
    unknown = [t for t in cfg.tasks if t not in TASKS]
    if unknown:
        raise ConfigError(f"config field tasks has unknown task {unknown[0]!r}; expected {' and/or '.join(TASKS)}")
    if not isinstance(cfg.objectives, dict):
        raise ConfigError(f"config field objectives must be an object (a dict), not {_json_type(cfg.objectives)}")
    if cfg.width % cfg.heads:
        raise ConfigError(f"config field width {cfg.width} is not divisible by heads {cfg.heads}")
    if cfg.image_size % cfg.patch_size:
        raise ConfigError(f"config field image_size {cfg.image_size} is not a multiple of patch_size {cfg.patch_size}")
    patches = (cfg.image_size // cfg.patch_size) ** 2
    if patches > MAX_PATCHES:
        raise ConfigError(
            f"config fields image_size {cfg.image_size} and patch_size {cfg.patch_size} give {patches} patches; "
            f"the limit is {MAX_PATCHES}"
        )


def variant_names() -> list[str]:
    return sorted(p.stem for p in CONFIG_DIR.glob("*.json"))


def load_variant(name: str) -> ModelConfig:
    """A named variant from resources/configs, with the shapes-world vocabulary filled in."""
    path = CONFIG_DIR / f"{name}.json"
    if not path.is_file():
        raise ConfigError(f"no model variant {name!r}; known: {', '.join(variant_names())}")
    cfg = ModelConfig.from_json(path.read_text())
    if not cfg.vocab:
        from mmexplorer.data.vocab import ANSWERS, WORDS

        cfg = cfg.replace(vocab=tuple(WORDS), answers=tuple(ANSWERS))
    return cfg
