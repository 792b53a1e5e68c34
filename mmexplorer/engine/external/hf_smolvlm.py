"""Hugging Face SmolVLM (SmolVLMForConditionalGeneration, Idefics3 architecture): tiles, a global view, pixel shuffle.

The processor resizes the photo (longest edge to its size), stretches it to
whole tiles (multiples of the vision tower's image size) and cuts it into
rows x cols tiles, row-major, then adds the whole photo squashed to one tile
(the global view); a photo that fits one tile is only that view. Each tile's
patches (image_size / patch_size a side) are merged scale_factor x
scale_factor by pixel shuffle into one token each (SmolVLMConnector: token
(i, j) takes patches i*s .. i*s+s-1 by j*s .. j*s+s-1), and the k-th run of
<image> tokens in the prompt is the k-th tile. So tile (r, c) shows the box
[c W/cols, r H/rows, (c+1) W/cols, (r+1) H/rows] of the photo, the global
view all of it; the photo's grid is the tiles' tokens side by side.
"""

from __future__ import annotations

import re
from pathlib import Path

from mmexplorer.attention.generation import ImageRegions, block_token_patches
from mmexplorer.engine.external.base import ATTENTION_NOTE, ExternalConfig, parameter_count
from mmexplorer.engine.external.detect import display_name
from mmexplorer.engine.external.errors import ExternalModelError
from mmexplorer.engine.external.generative import GenerativeModel, image_runs
from mmexplorer.engine.external.hf_common import (
    import_transformers,
    load_eager_config,
    load_image_text_processor,
    processor_settings,
    require_package,
)
from mmexplorer.engine.external.hf_tokens import HFTextTokenizer
from mmexplorer.engine.external.record_parts import to_pil
from mmexplorer.families.hf_smolvlm import FAMILY

FUSION = FAMILY.name
TILE_TOKEN = re.compile(r"<row_(\d+)_col_(\d+)>")
SPEC = FAMILY.spec


def load(folder: str | Path, device, name: str | None = None) -> "HFSmolVLM":
    require_package("num2words", "num2words", "SmolVLM's processor")
    tf = import_transformers()
    processor = load_image_text_processor(tf, folder)
    net = load_eager_config(tf.SmolVLMForConditionalGeneration, folder, device)
    return HFSmolVLM(net, processor, name or display_name(Path(folder)), str(folder))


def tile_boxes(rows: int, cols: int, width: float, height: float) -> list[tuple[float, float, float, float]]:
    """The photo's box of each tile, row-major, then the global view's (the whole photo)."""
    boxes = [(c * width / cols, r * height / rows, (c + 1) * width / cols, (r + 1) * height / rows)
             for r in range(rows) for c in range(cols)]
    return boxes + [(0.0, 0.0, width, height)]


class HFSmolVLM(GenerativeModel):
    spec = SPEC
    family = "Hugging Face SmolVLM (SmolVLMForConditionalGeneration, Idefics3 architecture)"

    def __init__(self, net, processor, name: str, source: str) -> None:
        c = net.config
        vc, tc = c.vision_config, c.get_text_config()
        self.tile = int(vc.image_size)
        self.patch = int(vc.patch_size)
        self.scale = int(c.scale_factor)
        cfg = ExternalConfig(
            name=name,
            fusion=SPEC.fusion,
            fields={"image_size": self.tile, "patch_size": self.patch, "width": int(tc.hidden_size),
                    "depth": int(tc.num_hidden_layers), "heads": int(tc.num_attention_heads)},
            details={
                "family": self.family,
                "source": source,
                "attention": ATTENTION_NOTE,
                "vision_tower": {"layers": int(vc.num_hidden_layers), "heads": int(vc.num_attention_heads),
                                 "width": int(vc.hidden_size), "patch_size": self.patch, "image_size": self.tile},
                "pixel_shuffle": self.scale,
                "image_tokens_per_tile": (self.tile // self.patch // self.scale) ** 2,
                "vocabulary": int(tc.vocab_size),
                "parameters": parameter_count(net),
                "preprocess": processor_settings(processor.image_processor),
            },
        )
        max_len = int(getattr(tc, "max_position_embeddings", 2048))
        super().__init__(net, processor, cfg, HFTextTokenizer(processor.tokenizer, max_len), source)

    def preprocess(self, image, input_size: int | None = None):
        from mmexplorer.engine.model_api import Preprocessed

        out = self.processor.image_processor(images=[to_pil(image)], return_tensors="pt")
        width, height = image.size
        return Preprocessed(out["pixel_values"].float(), (0.0, 0.0, float(width), float(height)))

    def vision_attention(self):
        return [layer.self_attn for layer in self.net.model.vision_model.encoder.layers]

    def decoder_attention(self):
        return [layer.self_attn for layer in self.net.model.text_model.layers]

    def raw_prompt(self, question: str) -> str:
        token = self.processor.image_token
        return question if token in question else token + question  # the processor needs one per picture

    def regions(self, inputs, prompt_ids, image_size):
        width, height = (float(v) for v in image_size)
        images = inputs["pixel_values"].shape[1]  # [1, tiles (+ global), 3, tile, tile]
        side = self.tile // self.patch  # patches a side of one tile
        g = side // self.scale  # tokens a side of one tile
        runs = image_runs(prompt_ids, self.image_token_id())
        rows, cols = self._split(prompt_ids, images)
        if len(runs) != images or any(stop - start != g * g for start, stop in runs):
            raise ExternalModelError(f"{self.name}: the prompt's image tokens ({[e - s for s, e in runs]}) do not "
                                     f"match {images} tile(s) of {g}x{g} tokens; cannot place them on the photo")
        if rows * cols:
            names = [f"tile r{r + 1} c{c + 1}" for r in range(rows) for c in range(cols)] + ["global"]
            boxes, grid = tile_boxes(rows, cols, width, height), (rows * g, cols * g)
        else:
            names, boxes, grid = ["global"], [(0.0, 0.0, width, height)], (g, g)
        token_grids, patch_grids = [(g, g)] * images, [(side, side)] * images
        regions = ImageRegions(names=tuple(names), boxes=boxes, token_grids=token_grids, patch_grids=patch_grids,
                               spans=runs, token_patches=block_token_patches(token_grids, patch_grids))
        return regions, grid, (0.0, 0.0, width, height)

    def _split(self, prompt_ids, images: int) -> tuple[int, int]:
        """(rows, cols) of tiles from the last <row_r_col_c> token the processor wrote (0, 0: one global view)."""
        if images == 1:
            return 0, 0
        named = [TILE_TOKEN.fullmatch(t) for t in self.hf_tokenizer.convert_ids_to_tokens(list(prompt_ids))]
        named = [(int(m.group(1)), int(m.group(2))) for m in named if m]
        if not named or named[-1][0] * named[-1][1] + 1 != images:
            raise ExternalModelError(f"{self.name}: the prompt's tile names do not match its {images} images; "
                                     "cannot place the tiles on the photo")
        return named[-1]
