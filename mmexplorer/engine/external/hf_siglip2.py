"""Hugging Face SigLIP 2 (Siglip2Model, NaFlex): SigLIP with images at their own aspect ratio.

NaFlex resizes the whole photo (no crop) to a grid of at most max_num_patches
patches that keeps its aspect ratio, and feeds the patches flattened, padded
to max_num_patches, with a mask and the grid's (rows, cols). The padding
patches are masked out of the attention and marked as padding in the layout.
The image processor is called on its own with its saved settings: the
processor's call-time defaults (max_num_patches 256) would override them.
"""

from __future__ import annotations

from pathlib import Path

from mmexplorer.engine.external import batching
from mmexplorer.engine.external.detect import display_name
from mmexplorer.engine.external.hf_common import from_folder, import_transformers, load_eager
from mmexplorer.engine.external.hf_siglip import HFSiglip
from mmexplorer.engine.model_api import Preprocessed
from mmexplorer.families.hf_siglip2 import FAMILY

FUSION = FAMILY.name
SPEC = FAMILY.spec


def load(folder: str | Path, device, name: str | None = None) -> "HFSiglip2":
    tf = import_transformers()
    tokenizer = from_folder(tf.AutoTokenizer, folder, "tokenizer")
    images = from_folder(tf.AutoImageProcessor, folder, "image processor")
    net = load_eager(tf.Siglip2Model, folder, device)
    return HFSiglip2(net, images, tokenizer, name or display_name(Path(folder)), str(folder))


def from_objects(net, processor, name: str, source: str = "") -> "HFSiglip2":
    """The adapter around a network and processor already in memory (`load` reads them from a folder first).

    `net` must already run eager attention in float32 eval mode (engine.external.in_memory sees to it).
    """
    return HFSiglip2(net, processor.image_processor, processor.tokenizer, name, source)


class HFSiglip2(HFSiglip):
    spec = SPEC
    family = "Hugging Face SigLIP 2 (Siglip2Model, NaFlex)"

    def preprocess(self, image, input_size: int | None = None) -> Preprocessed:
        from mmexplorer.engine.external.record_parts import to_pil

        out = self.image_processor(images=to_pil(image), return_tensors="pt")  # its saved max_num_patches
        width, height = image.size
        return Preprocessed(
            out["pixel_values"].float(),  # [1, M, 3 * p * p]: patches in raster order, then padding
            (0.0, 0.0, float(width), float(height)),  # the whole photo is resized, never cropped
            (),
            {"pixel_attention_mask": out["pixel_attention_mask"], "spatial_shapes": out["spatial_shapes"]},
        )

    def pixel_inputs(self, pres) -> dict:
        """Every picture's patches padded to the saved budget (one length for all), so they stack; each keeps its
        own mask and grid."""
        return {"pixel_values": batching.stacked([p.pixels for p in pres], self.device),
                "pixel_attention_mask": batching.stacked([p.extras["pixel_attention_mask"] for p in pres], self.device),
                "spatial_shapes": batching.stacked([p.extras["spatial_shapes"] for p in pres], self.device)}

    def grid(self, pre) -> tuple[int, int]:
        rows, cols = (int(v) for v in pre.extras["spatial_shapes"][0])
        return rows, cols

    def image_layout(self, pre, n_patches: int) -> tuple:
        total = int(pre.pixels.shape[1])
        return (("image", 0, n_patches),) + ((("pad", n_patches, total),) if total > n_patches else ())

    def patch_positions(self, grid):
        """The position embeddings NaFlex adds to this image's patches: its table resized to the grid. [N, D]"""
        import torch

        emb = self.net.vision_model.embeddings
        side = int(emb.position_embedding_size)
        table = emb.position_embedding.weight.detach().float().reshape(side, side, -1)  # [P, P, D]
        n = grid[0] * grid[1]
        shapes = torch.tensor([grid], device=table.device)
        return emb.resize_positional_embeddings(table, shapes, n)[0, :n].cpu().numpy()
