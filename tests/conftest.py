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


@pytest.fixture(scope="session")
def hf_photo(tmp_path_factory):
    """The photo the pretrained-family tests probe: a non-square PNG (tests/hf_tiny.py)."""
    import hf_tiny

    return hf_tiny.write_photo(tmp_path_factory.mktemp("photo") / "photo.png")


@pytest.fixture(scope="session")
def hf_folders(tmp_path_factory):
    """family -> a saved tiny random Hugging Face model folder, built once for the session; tests only read them."""
    pytest.importorskip("transformers")
    import hf_tiny
    from transformers.utils import logging

    logging.disable_progress_bar()  # a save_pretrained bar would leave tqdm's monitor thread behind
    try:
        return hf_tiny.build_every_family(tmp_path_factory.mktemp)
    finally:
        logging.enable_progress_bar()


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory):
    """fusion -> the path of tiny_model(fusion) saved as a checkpoint, written once for the session."""
    from mmexplorer.models.checkpoint import save_checkpoint

    folder, saved = tmp_path_factory.mktemp("tiny-checkpoints"), {}

    def path(fusion: str):
        if fusion not in saved:
            saved[fusion] = folder / f"tiny-{fusion}.safetensors"
            save_checkpoint(tiny_model(fusion), saved[fusion])
        return saved[fusion]

    return path


def put_tiny_models(home, tiny_checkpoint, *fusions) -> None:
    """Copy the session's tiny checkpoints into `home`/models as tiny-<fusion>."""
    import shutil

    (home / "models").mkdir(parents=True, exist_ok=True)
    for fusion in fusions:
        shutil.copyfile(tiny_checkpoint(fusion), home / "models" / f"tiny-{fusion}.safetensors")


@pytest.fixture(scope="session")
def home(tmp_path_factory, tiny_checkpoint):
    """MMEXPLORER_HOME of the CLI tests: tiny-early, -cross, -hybrid and -late, and pictures.

    img0-2.png (three shapes of random pixels), broken.png (not a PNG), photo.png (50 x 80).
    Tests may add files of their own; the models and pictures stay as they are.
    """
    from PIL import Image

    home = tmp_path_factory.mktemp("home")
    put_tiny_models(home, tiny_checkpoint, "early", "cross", "hybrid", "late")
    rng = np.random.default_rng(1)
    for i, shape in enumerate([(50, 80, 3), (64, 64, 3), (90, 40, 3)]):
        Image.fromarray(rng.integers(0, 255, shape, dtype=np.uint8)).save(home / f"img{i}.png")
    (home / "broken.png").write_bytes(b"\x89PNG not really")
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (50, 80, 3), dtype=np.uint8)).save(home / "photo.png")
    return home
