"""What an image-only classifier is: no text, so no word map and no cross-modal attention."""

from mmexplorer.spec import FusionSpec


def classifier_spec(fusion: str, note: str) -> FusionSpec:
    return FusionSpec(fusion=fusion, category="image-only", cross_kind=None, default_map="none", note=note)
