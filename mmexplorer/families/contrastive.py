"""Contrastive dual encoder, bundled (CLIP-like, InfoNCE): image and text meet only in a dot product."""

from mmexplorer.families.family import QT_TRANSLATE_NOOP, Family
from mmexplorer.families.stages import binding_stages
from mmexplorer.spec import FusionSpec

FAMILY = Family(
    spec=FusionSpec(
        fusion="contrastive",
        category="contrastive",
        cross_kind=None,
        default_map="similarity",
        note=QT_TRANSLATE_NOOP("Explain", "Dual encoder (contrastive, CLIP-like): there is NO cross-modal attention. The "
                               "map is the cosine similarity between the word's embedding and each patch embedding — a "
                               "similarity, not attention."),
        contrastive=True,
    ),
    origin="bundled",
    implementation="mmexplorer.engine.bundled",
    label=QT_TRANSLATE_NOOP("Terms", "contrastive"),
    kinds=("text", "image"),
    network="mmexplorer.models.fusion.contrastive:ContrastiveDualEncoder",
    stages=binding_stages(105, more=(2e-4, 1e-4)),
)
