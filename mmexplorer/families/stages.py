"""The shipped bundled models' training stages, as plain data shared by the strategies' declarations.

A stage is the settings changed from its recipe ("default" unless the stage names one); a later stage
continues from the weights of the one before (a fresh optimiser and schedule, new scenes). One CPU thread
each, so that a stage gives the same weights on any machine and several strategies can train side by side
on a shared one. Every strategy with a word-to-patch map is of the second generation: bilingual captions,
binding triples, textures, swap negatives, letterboxed pictures of other shapes (engine/recipes.py
"binding"). A short first stage plus low-rate continuations learned more per second than one long run at a
higher rate; early and cross fusion stalled at low rates until a stage back at 5e-4 and one at 2e-4 after it
(a warm restart) moved them (docs/training.md).
"""

from __future__ import annotations

BINDING = {"recipe": "binding", "batch_scenes": 16, "threads": 1}  # what every second-generation stage shares
LATE_STAGE = {"hard_start": 0.9, "hard_end": 0.9}  # the continuations after the fourth: 90% hard negatives throughout
# Matching was weakest on textured non-square pictures, which the recipe draws independently (30% each,
# 9% both): a last stage for early and hybrid fusion with both at 60%.
TEXTURED_NON_SQUARE = {**BINDING, **LATE_STAGE, "steps": 1000, "lr": 2e-4, "texture_prob": 0.6, "aspect_prob": 0.6}


def binding_stages(seed: int, more: tuple[float, ...] = ()) -> tuple[dict, ...]:
    """One strategy's second-generation stages: a first stage at 1e-3, then four continuations at a low rate
    on new scenes (seeds seed+30 ...), mostly hard negatives; `more`: the learning rates of 1000-step stages
    after those, for the strategies that bind more slowly."""
    return (
        {**BINDING, "steps": 800, "seed": seed},
        {**BINDING, "steps": 400, "seed": seed + 30, "lr": 3e-4, "hard_start": 0.7, "hard_end": 0.9},
        {**BINDING, "steps": 400, "seed": seed + 31, "lr": 3e-4, "hard_start": 0.8, "hard_end": 0.9},
        {**BINDING, **LATE_STAGE, "steps": 600, "seed": seed + 32, "lr": 3e-4},
        {**BINDING, **LATE_STAGE, "steps": 600, "seed": seed + 33, "lr": 2e-4},
    ) + tuple({**BINDING, **LATE_STAGE, "steps": 1000, "seed": seed + 34 + k, "lr": lr} for k, lr in enumerate(more))
