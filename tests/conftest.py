import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from mmexplorer import families  # noqa: E402

FUSIONS = families.bundled_names()  # every bundled strategy the registry declares


def tiny_config(fusion: str, **changes):
    from mmexplorer.config import load_variant

    base = dict(name=f"tiny-{fusion}", image_size=64, patch_size=16, width=32, depth=2, unimodal_depth=1, heads=2)
    base.update(changes)
    return load_variant(fusion).replace(**base)


def tiny_model(fusion: str, seed: int = 0, **changes):
    import torch

    from mmexplorer.models import build_model

    torch.manual_seed(seed)
    return build_model(tiny_config(fusion, **changes)).eval()


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def photo(rng):
    """A non-square RGB test picture with some structure."""
    h, w = 90, 140
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([(xx * 255 // w), (yy * 255 // h), ((xx + yy) % 64) * 4], axis=-1).astype(np.uint8)
    return img
