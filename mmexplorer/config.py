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

# The package's own data folder (mmexplorer/resources), found through importlib so an
# installed wheel and a source checkout resolve it the same way. A regular package on
# disk gives a real Path, which the rest of the code relies on.
RESOURCES = Path(str(importlib.resources.files("mmexplorer.resources")))
CONFIG_DIR = RESOURCES / "configs"

FUSIONS = ("early", "cross", "hybrid", "late", "contrastive")


class ConfigError(ValueError):
    """A config that cannot describe a model (unknown field, bad value)."""


@dataclass(frozen=True)
class ModelConfig:
    name: str = "model"
    fusion: str = "early"  # key into the fusion registry: early | cross | hybrid | late | contrastive
    image_size: int = 128  # images are resized to image_size x image_size before patching
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
    # What the model was trained with; recorded so the summary can show it.
    objectives: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.fusion not in FUSIONS:
            raise ConfigError(f"unknown fusion {self.fusion!r}; expected one of {', '.join(FUSIONS)}")
        if self.pos_embed not in ("learned", "sincos"):
            raise ConfigError(f"pos_embed must be 'learned' or 'sincos', not {self.pos_embed!r}")
        if self.sharing not in ("hard", "soft"):
            raise ConfigError(f"sharing must be 'hard' or 'soft', not {self.sharing!r}")
        if self.width % self.heads:
            raise ConfigError(f"width {self.width} is not divisible by heads {self.heads}")
        if self.image_size % self.patch_size:
            raise ConfigError(f"image_size {self.image_size} is not a multiple of patch_size {self.patch_size}")
        for name in ("image_size", "patch_size", "width", "depth", "heads", "max_text_len"):
            if int(getattr(self, name)) <= 0:
                raise ConfigError(f"{name} must be positive")

    @property
    def grid(self) -> tuple[int, int]:
        side = self.image_size // self.patch_size
        return side, side

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        for key in ("vocab", "tasks", "answers"):
            d[key] = list(d[key])
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
