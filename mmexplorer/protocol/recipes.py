"""The training recipes (named presets) a Train call names, as plain data.

The window lists them and shows each one's steps and learning rate; the engine
expands a name into its full settings (engine/recipes.py). Both read this table.
"""

from __future__ import annotations

DEFAULT_STEPS = 1500  # TrainSettings.steps when a recipe does not change it
DEFAULT_LR = 1e-3  # TrainSettings.lr (the peak AdamW learning rate) when a recipe does not change it

# name -> (what it is for, the settings it changes from the defaults)
RECIPES: dict[str, tuple[str, dict]] = {
    "default": ("the bundled models: matching + grounding, about 10 minutes on 2 CPU cores", {}),
    "quick": ("in-app preset: visibly localised maps in about 5 minutes on 2 idle CPU cores (longer on a busy machine)",
              {"steps": 500, "batch_scenes": 16}),
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


def recipe_defaults(name: str) -> tuple[int, float]:
    """(steps, learning rate) of a named recipe."""
    changes = RECIPES[name][1]
    return int(changes.get("steps", DEFAULT_STEPS)), float(changes.get("lr", DEFAULT_LR))
