"""torchvision's VisionTransformer from a .pth / .pt state dict: image self-attention only."""

from mmexplorer.families.classifier import classifier_spec
from mmexplorer.families.family import QT_TRANSLATE_NOOP, Family

FAMILY = Family(
    spec=classifier_spec("torchvision-vit", QT_TRANSLATE_NOOP(
        "Explain", "torchvision's VisionTransformer, an image classifier: there is no text input and NO cross-modal "
        "attention; the views show the image's self-attention, its rollout and the relevancy of the top class.")),
    origin="pretrained",
    implementation="mmexplorer.engine.external.torchvision_vit",
    cell="mmexplorer.engine.external.tv_vit_qkv:head_tensors",
    kinds=("image",),
    file_suffixes=(".pth", ".pt"),
)
