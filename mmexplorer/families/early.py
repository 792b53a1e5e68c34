"""Early (feature-level) fusion, bundled: one transformer over [CLS] + words + patches."""

from mmexplorer.families.family import QT_TRANSLATE_NOOP, Family
from mmexplorer.families.stages import TEXTURED_NON_SQUARE, binding_stages
from mmexplorer.spec import FusionSpec

FAMILY = Family(
    spec=FusionSpec(
        fusion="early",
        category="early",
        cross_kind="joint",
        default_map="attention",
        note=QT_TRANSLATE_NOOP("Explain", "Early fusion: words and patches run through one transformer; the map is the "
                               "word's row of the joint attention over the patch columns."),
    ),
    origin="bundled",
    implementation="mmexplorer.engine.bundled",
    label=QT_TRANSLATE_NOOP("Terms", "early"),
    kinds=("joint",),
    network="mmexplorer.models.fusion.early:EarlyFusion",
    stages=binding_stages(101, more=(2e-4, 1e-4, 1e-4, 1e-4, 5e-4, 2e-4)) + ({**TEXTURED_NON_SQUARE, "seed": 141},),
)
