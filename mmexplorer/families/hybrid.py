"""Hybrid fusion, bundled: a joint transformer (feature level) plus unimodal decisions (decision level)."""

from mmexplorer.families.family import QT_TRANSLATE_NOOP, Family
from mmexplorer.families.stages import TEXTURED_NON_SQUARE, binding_stages
from mmexplorer.spec import FusionSpec

FAMILY = Family(
    spec=FusionSpec(
        fusion="hybrid",
        category="hybrid",
        cross_kind="joint",
        default_map="attention",
        note=QT_TRANSLATE_NOOP("Explain", "Hybrid fusion: a joint transformer (feature level) plus unimodal decisions "
                               "(decision level); the map is the joint attention, the bars below split the match score "
                               "between the two levels."),
    ),
    origin="bundled",
    implementation="mmexplorer.engine.bundled",
    label=QT_TRANSLATE_NOOP("Terms", "hybrid"),
    kinds=("text", "image", "joint"),
    network="mmexplorer.models.fusion.hybrid:HybridFusion",
    stages=binding_stages(103, more=(2e-4, 1e-4, 1e-4)) + ({**TEXTURED_NON_SQUARE, "seed": 140},),
)
