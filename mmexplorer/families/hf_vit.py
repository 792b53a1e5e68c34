"""ViT image classifier (Hugging Face `ViTForImageClassification`): image self-attention only."""

from mmexplorer.families.classifier import classifier_spec
from mmexplorer.families.family import QT_TRANSLATE_NOOP, Family

FAMILY = Family(
    spec=classifier_spec("hf-vit", QT_TRANSLATE_NOOP(
        "Explain", "ViT (Hugging Face), an image classifier: there is no text input and NO cross-modal attention; the "
        "views show the image's self-attention, its rollout and the relevancy of the top class.")),
    origin="pretrained",
    implementation="mmexplorer.engine.external.hf_vit",
    cell="mmexplorer.engine.external.hf_vit_qkv:head_tensors",
    kinds=("image",),
    architectures=("ViTForImageClassification",),
    model_types=("vit",),
)
