"""A Sample: one validated image + text pair, immutable, on the CPU.

This is what crosses from the GUI thread to the worker.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mmexplorer.data.image import LoadedImage
from mmexplorer.data.tokenizer import Encoding, Tokenizer


@dataclass(frozen=True)
class Sample:
    image: LoadedImage  # the original picture, uint8 [H, W, 3]
    encoding: Encoding  # word tokens of the text as the model sees them

    @property
    def text(self) -> str:
        return self.encoding.text


def make_sample(image: LoadedImage | np.ndarray, text: str, tokenizer: Tokenizer) -> Sample:
    if isinstance(image, np.ndarray):
        image = LoadedImage(np.ascontiguousarray(image.astype(np.uint8)), "array")
    return Sample(image, tokenizer.encode(text))
