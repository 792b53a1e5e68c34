"""Late (decision-level) fusion, bundled: separate image and text encoders, unimodal decisions combined.

It has no word-level map, so neither grounding nor binding applies to it: its shipped model is of the
first generation (one stage of the default recipe).
"""

from mmexplorer.families.family import QT_TRANSLATE_NOOP, Family
from mmexplorer.spec import FusionSpec

FAMILY = Family(
    spec=FusionSpec(
        fusion="late",
        category="late",
        cross_kind=None,
        default_map="image-branch",
        note=QT_TRANSLATE_NOOP("Explain", "Late fusion: image and text are encoded separately and there is NO cross-modal "
                               "attention. The map is what the image branch attended to (the same for every word); the "
                               "bars show how each unimodal decision contributed to the match score."),
    ),
    origin="bundled",
    implementation="mmexplorer.engine.bundled",
    label=QT_TRANSLATE_NOOP("Terms", "late"),
    kinds=("text", "image"),
    network="mmexplorer.models.fusion.late:LateFusion",
    stages=({"steps": 500, "batch_scenes": 16, "seed": 4, "threads": 1},),
)
