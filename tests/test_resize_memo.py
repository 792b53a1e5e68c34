"""A read-only picture is resized once per size (models/preprocess.py _LastPicture), and exactly as before."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

from mmexplorer.config import ModelConfig
from mmexplorer.models.preprocess import image_tensor, resized


def _photo(seed: int = 0, shape=(300, 400, 3), writeable: bool = False) -> np.ndarray:
    pixels = np.random.default_rng(seed).integers(0, 255, shape, dtype=np.uint8)
    pixels.flags.writeable = writeable
    return pixels


def test_a_read_only_picture_is_resized_once_and_as_a_fresh_resize_would():
    photo = _photo()
    first = resized(photo, 64)
    assert resized(photo, 64) is first  # the second probe of the same picture reuses the copy
    assert not first.flags.writeable  # shared: nobody may change it
    np.testing.assert_array_equal(first, resized(photo.copy(), 64))  # a writable copy is resized afresh


@pytest.mark.parametrize("mode", ["square", "letterbox"])
def test_the_remembered_copy_gives_the_same_input_tensor(mode):
    cfg = ModelConfig(image_size=64, patch_size=16, preprocess=mode)
    photo = _photo(1)
    fresh = image_tensor(photo.copy(), cfg)  # [1, 3, 64, 64]
    image_tensor(photo, cfg)
    assert image_tensor(photo, cfg).equal(fresh)


def test_each_size_of_one_picture_is_its_own_copy():
    photo = _photo(2)
    small, large = resized(photo, 32), resized(photo, 96)
    assert small.shape == (32, 32, 3) and large.shape == (96, 96, 3)
    assert resized(photo, 32) is small and resized(photo, 96) is large
    boxed = resized(photo, 64, "letterbox", 16)
    assert boxed.shape == (48, 64, 3)  # 400 x 300 fitted to 64 x 48, whole patches
    np.testing.assert_array_equal(boxed, resized(photo.copy(), 64, "letterbox", 16))


def test_a_writable_picture_is_never_remembered():
    photo = _photo(3, writeable=True)
    before = resized(photo, 64)
    photo[:] = 0  # changed in place between two probes
    after = resized(photo, 64)
    assert after is not before and not after.any()


def test_a_new_picture_replaces_the_old_one_and_nothing_keeps_it_alive():
    photo = _photo(4)
    resized(photo, 64)
    gone = weakref.ref(photo)
    other = _photo(5)
    np.testing.assert_array_equal(resized(other, 64), resized(other.copy(), 64))
    del photo
    gc.collect()
    assert gone() is None
    # a new array at the freed address is not mistaken for the old picture
    again = _photo(6)
    np.testing.assert_array_equal(resized(again, 64), resized(again.copy(), 64))
