"""Training settings and the named recipes (presets) the CLI and the training panel offer."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field

from mmexplorer.config import FUSIONS
from mmexplorer.data.vocab import LANGUAGES


# field -> (lowest, highest): beyond these a run would hang, exhaust memory or overflow the seed
INT_LIMITS = {
    "steps": (1, 10_000_000),
    "batch_scenes": (1, 4096),
    "seed": (0, 2**63 - 1),  # torch seeds are 64-bit
    "threads": (0, max(64, 4 * (os.cpu_count() or 1))),  # 0: leave torch's own setting
    "checkpoint_every": (0, 10_000_000),
}
LABELS = {"batch_scenes": "the batch size", "seed": "the seed", "steps": "steps", "threads": "threads"}
MAX_LR = 10.0  # the default is 1e-3; anything above 10 only diverges


@dataclass(frozen=True)
class TrainSettings:
    fusion: str = "early"
    steps: int = 1500
    batch_scenes: int = 32  # scenes per step; each gives a true and a negative caption, so 2x pairs
    lr: float = 1e-3  # peak AdamW learning rate
    min_lr_ratio: float = 0.05  # cosine decay ends at lr * min_lr_ratio
    warmup: float = 0.05  # fraction of steps with a linear warm-up
    weight_decay: float = 0.05
    grad_clip: float = 1.0
    seed: int = 0  # seeds the weights and the training scene stream
    # negatives: the share of hard ones grows linearly from hard_start to hard_end (a curriculum)
    hard_start: float = 0.5
    hard_end: float = 0.9
    # share of multi-object training scenes that repeat a colour or shape word (the held-out split keeps 0.5);
    # repeats are the cases where a word can only be placed through its phrase
    repeat_prob: float = 0.5
    binding_prob: float = 0.0  # share of training scenes that are binding triples (see shapes.ShapesSpec)
    texture_prob: float = 0.0  # share of training scenes with a textured background and objects
    swap_share: float = 0.0  # share of hard negatives that swap two objects' colours
    aspect_prob: float = 0.0  # share of training scenes on a non-square canvas (for letterbox models)
    # caption languages, scene by scene in turn; with "zh" the model gets the bilingual vocabulary
    languages: tuple[str, ...] = ("en",)
    grounding: bool = True  # supervise word->patch maps towards object boxes (not for late fusion)
    grounding_weight: float = 1.0
    grounding_heads: str = "mean"  # "mean": the head-mean map; "all": every head on its own
    mlm: bool = False  # masked-word prediction on the true captions
    mlm_weight: float = 0.5
    mlm_prob: float = 0.15
    tasks: tuple[str, ...] = ("itm",)  # add "vqa" for the question-answering task
    sharing: str = "hard"  # "hard": one backbone, one head per task; "soft": a backbone per task tied by L2
    vqa_weight: float = 0.5
    soft_tie: float = 1e-2  # weight of the L2 penalty between the two backbones (soft sharing)
    checkpoint_every: int = 0  # steps between checkpoints; 0 means a tenth of the run
    threads: int = 2  # torch CPU threads
    init_from: str | None = None  # a checkpoint of the same architecture to continue from (fresh optimiser and schedule)
    model: dict = field(default_factory=dict)  # ModelConfig fields changed from the fusion's variant (e.g. a tiny test model)

    def __post_init__(self) -> None:
        if self.fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {self.fusion!r}; expected one of {', '.join(FUSIONS)}")
        for name, (lo, hi) in INT_LIMITS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise ValueError(f"{LABELS.get(name, name)} must be an integer from {lo} to {hi}, not {value!r}")
        if isinstance(self.lr, bool) or not isinstance(self.lr, (int, float)) or not 0 < self.lr <= MAX_LR:
            raise ValueError(f"the learning rate must be a finite number above 0 and at most {MAX_LR:g}, not {self.lr!r}")
        if self.sharing not in ("hard", "soft"):
            raise ValueError(f"sharing must be 'hard' or 'soft', not {self.sharing!r}")
        unknown = set(self.tasks) - {"itm", "vqa"}
        if unknown or "itm" not in self.tasks:
            raise ValueError("tasks must include 'itm' and may add 'vqa'")
        if not self.languages or set(self.languages) - set(LANGUAGES) or len(set(self.languages)) != len(self.languages):
            raise ValueError(f"languages must be distinct, from {', '.join(LANGUAGES)}")
        if self.grounding_heads not in ("mean", "all"):
            raise ValueError("grounding heads must be 'mean' or 'all'")
        if self.sharing == "soft" and "vqa" not in self.tasks:
            raise ValueError("soft sharing needs a second task: add 'vqa' to the tasks")

    def replace(self, **changes) -> "TrainSettings":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["tasks"] = list(self.tasks)
        d["languages"] = list(self.languages)
        d["model"] = dict(self.model)
        return d


# name -> (what it is for, the settings it changes from the defaults)
RECIPES: dict[str, tuple[str, dict]] = {
    "default": ("the bundled models: matching + grounding, about 10 minutes on 2 CPU cores", {}),
    "quick": ("in-app preset: visibly localised maps in about 5 minutes on 2 idle CPU cores (longer on a busy machine)", {"steps": 500, "batch_scenes": 16}),
    "no-grounding": ("matching loss alone, to compare attention with and without grounding", {"grounding": False}),
    "multitask": ("matching + grounding + question answering, hard parameter sharing", {"tasks": ("itm", "vqa")}),
    "binding": (
        "bilingual captions, more three-object scenes sharing words, textures, swap negatives, pictures of other shapes letterboxed (second generation)",
        {"languages": ("en", "zh"), "binding_prob": 0.4, "texture_prob": 0.3, "swap_share": 0.3, "repeat_prob": 0.8,
         "aspect_prob": 0.3, "model": {"preprocess": "letterbox"}},
    ),
}


def recipe_names() -> list[str]:
    return list(RECIPES)


def recipe(name: str, fusion: str, **overrides) -> TrainSettings:
    """The settings of a named recipe for a fusion strategy; None-valued overrides are ignored."""
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; known: {', '.join(RECIPES)}")
    changes = dict(RECIPES[name][1])
    changes.update({k: v for k, v in overrides.items() if v is not None})
    return TrainSettings(fusion=fusion, **changes)
