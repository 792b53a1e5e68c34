"""Cross-attention (co-attention) fusion, bundled: unimodal encoders, then text<->image cross-attention."""

from mmexplorer.families.family import QT_TRANSLATE_NOOP, Family
from mmexplorer.families.stages import binding_stages
from mmexplorer.spec import FusionSpec

FAMILY = Family(
    spec=FusionSpec(
        fusion="cross",
        category="cross",
        cross_kind="text_to_image",
        default_map="attention",
        note=QT_TRANSLATE_NOOP("Explain", "Cross-attention fusion: each modality has its own encoder; the map is the "
                               "word's cross-attention over the patches (queries from text, keys and values from the image)."),
    ),
    origin="bundled",
    implementation="mmexplorer.engine.bundled",
    label=QT_TRANSLATE_NOOP("Terms", "cross"),
    kinds=("text", "image", "text_to_image", "image_to_text"),
    network="mmexplorer.models.fusion.cross:CrossFusion",
    stages=binding_stages(102, more=(2e-4, 1e-4, 5e-4, 2e-4, 5e-4, 2e-4)),
)
