"""Hugging Face ViLT (ViltForImageAndTextRetrieval): early fusion, one transformer over words and patches.

ViLT's visual_embed draws its patches in a random order on every call
(torch.multinomial). The draw is made with a fixed seed in a forked RNG (the
caller's random state is left as it was), the patch index it returns is
recorded, and the patch rows and columns of every attention map are put back
in raster order: two runs give identical maps, and patch j is always grid cell
(j // cols, j % cols). Every patch is used (max_image_length is lifted for the
call), so the grid is whole.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import torch

from mmexplorer.engine.external.record_builder import Captured, build_record, ignored_size_note
from mmexplorer.attention.record import AttentionRecord
from mmexplorer.engine.external.base import ATTENTION_NOTE, ExternalConfig, ExternalModel, parameter_count
from mmexplorer.engine.external.detect import display_name
from mmexplorer.engine.external.errors import ExternalModelError
from mmexplorer.engine.external.hf_common import (
    import_transformers,
    load_eager,
    load_image_text_processor,
    processor_settings,
    require_attentions,
)
from mmexplorer.engine.external.hf_tokens import HFTextTokenizer
from mmexplorer.engine.external.record_parts import grads_for, per_layer, to_pil
from mmexplorer.engine.model_api import Preprocessed
from mmexplorer.families.hf_vilt import FAMILY

FUSION = FAMILY.name
SAMPLING_SEED = 0  # the seed of ViLT's patch draw (any fixed value: the maps are restored to raster order)
SPEC = FAMILY.spec


def load(folder: str | Path, device, name: str | None = None) -> "HFVilt":
    tf = import_transformers()
    processor = load_image_text_processor(tf, folder)
    net = load_eager(tf.ViltForImageAndTextRetrieval, folder, device)
    return from_objects(net, processor, name or display_name(Path(folder)), str(folder))


def from_objects(net, processor, name: str, source: str = "") -> "HFVilt":
    """The adapter around a network and processor already in memory (`load` reads them from a folder first).

    `net` must already run eager attention in float32 eval mode (engine.external.in_memory sees to it).
    """
    return HFVilt(net, processor, name, source)


def joint_layout(n_tokens: int, n_patches: int) -> tuple:
    """[CLS] + tokens (incl. [SEP]), then the image [CLS] and the patches in raster order."""
    text = 1 + n_tokens
    return (("cls", 0, 1), ("text", 1, text), ("cls", text, text + 1), ("image", text + 1, text + 1 + n_patches))


def raster_permutation(patch_index: torch.Tensor, n_text: int, grid: tuple[int, int]) -> torch.Tensor:
    """Sequence positions in raster order: text and image [CLS] stay, patch p moves to row*cols + col.

    patch_index: [N, 2] (row, col) of each drawn patch, in the order the model saw them.
    """
    rows, cols = grid
    raster = patch_index[:, 0] * cols + patch_index[:, 1]  # [N]
    if sorted(raster.tolist()) != list(range(rows * cols)):
        raise ExternalModelError("ViLT did not draw every patch exactly once; cannot restore raster order")
    drawn = torch.argsort(raster)  # for raster cell r, the drawn position holding it
    head = torch.arange(n_text + 1)  # text tokens and the image [CLS]
    return torch.cat([head, n_text + 1 + drawn.cpu()])


class HFVilt(ExternalModel):
    spec = SPEC
    family = "Hugging Face ViLT (ViltForImageAndTextRetrieval)"
    relevancy_target = "match_logit (retrieval score)"

    def __init__(self, net, processor, name: str, source: str) -> None:
        c = net.config
        self.patch_size = int(c.patch_size)
        self.image_processor = processor.image_processor
        cfg = ExternalConfig(
            name=name,
            fusion=self.spec.fusion,
            fields={"image_size": int(c.image_size), "patch_size": self.patch_size, "width": int(c.hidden_size),
                    "depth": int(c.num_hidden_layers), "heads": int(c.num_attention_heads), "pos_embed": "learned",
                    "max_text_len": int(c.max_position_embeddings)},
            details={
                "family": self.family,
                "source": source,
                "attention": ATTENTION_NOTE,
                "cross_modal_attention": "joint: one transformer over words and patches (4 modality blocks)",
                "patch_order": "drawn at random by ViLT, restored to raster order",
                "vocabulary": int(c.vocab_size),
                "parameters": parameter_count(net),
                "preprocess": processor_settings(processor.image_processor),
            },
        )
        max_len = min(int(c.max_position_embeddings), int(getattr(processor.tokenizer, "model_max_length", 512)))
        super().__init__(net, cfg, HFTextTokenizer(processor.tokenizer, max_len), source)

    def preprocess(self, image, input_size: int | None = None) -> Preprocessed:
        width, height = image.size
        limit = self._aspect_limit()
        refusal = (f"{self.name} cannot take a {width} x {height} picture: ViLT's processor shrinks the shorter side "
                   f"to nothing beyond an aspect ratio of about {limit:.0f}:1; crop or pad the picture")
        if max(width, height) > 2 * limit * min(width, height):  # far past it: not even handed to the processor
            raise ExternalModelError(refusal)
        try:
            out = self.image_processor(images=to_pil(image), return_tensors="pt")
        except ValueError as exc:  # near the limit the processor's own rounding decides; its refusal, said plainly
            if "Size must contain" in str(exc) or "height=0" in str(exc) or "width=0" in str(exc):
                raise ExternalModelError(refusal) from None
            raise
        # ViLT resizes the whole photo (shorter edge, longer capped, sides rounded to the patch size): no crop
        return Preprocessed(out["pixel_values"].float(), (0.0, 0.0, float(width), float(height)), (),
                            {"pixel_mask": out["pixel_mask"]})

    def _aspect_limit(self) -> float:
        """The widest aspect ratio ViLT's processor can take: it scales the shorter side to `shortest_edge`, the
        longer one at most to 1333/800 of that, then rounds each down to `size_divisor`, so past longest /
        divisor the shorter side rounds to 0 and the processor fails."""
        size = getattr(self.image_processor, "size", None) or {}
        shortest = size.get("shortest_edge") if isinstance(size, dict) else getattr(size, "shortest_edge", None)
        divisor = getattr(self.image_processor, "size_divisor", None) or 32
        return int(1333 / 800 * (shortest or 384)) / divisor

    @contextlib.contextmanager
    def _recording_patch_index(self):
        """Within the block ViLT's visual_embed runs with every patch, and its patch index lands in the dict."""
        embeddings = self.net.vilt.embeddings
        seen: dict = {}
        original, limit = embeddings.visual_embed, embeddings.config.max_image_length

        def visual_embed(*args, **kwargs):
            x, x_mask, (patch_index, size) = original(*args, **kwargs)
            seen["patch_index"] = patch_index  # [B, N, 2] (row, col) of each drawn patch
            return x, x_mask, (patch_index, size)

        embeddings.visual_embed = visual_embed  # an instance attribute shadowing the method, removed below
        embeddings.config.max_image_length = -1
        try:
            with torch.random.fork_rng(devices=[]):  # the draw runs on the CPU generator, restored afterwards
                torch.default_generator.manual_seed(SAMPLING_SEED)  # torch.manual_seed would reseed CUDA too
                yield seen
        finally:
            del embeddings.visual_embed
            embeddings.config.max_image_length = limit

    def forward(self, pre, input_ids: torch.Tensor):
        device = self.device
        with self._recording_patch_index() as seen:
            out = self.net(input_ids=input_ids, attention_mask=torch.ones_like(input_ids),
                           token_type_ids=torch.zeros_like(input_ids), pixel_values=pre.pixels.to(device),
                           pixel_mask=pre.extras["pixel_mask"].to(device), output_attentions=True, return_dict=True)
        return out, seen["patch_index"][0]

    def capture(self, sample, relevancy: bool = True, input_size: int | None = None) -> AttentionRecord:
        device = self.device
        t0 = time.perf_counter()
        pre = self.preprocess(sample.image)
        text_ids = self.tokenizer.text_ids(sample.text)
        encoding = text_ids.encoding
        input_ids = torch.tensor([text_ids.ids], device=device)  # [1, L]: [CLS], tokens, [SEP]
        t1 = time.perf_counter()
        with torch.enable_grad() if relevancy else torch.no_grad():
            out, patch_index = self.forward(pre, input_ids)
            require_attentions(self.name, {"joint": out.attentions})
            logit, outputs = self.score(out)
            grads = grads_for(logit, out.attentions) if relevancy else None
        t2 = time.perf_counter()
        grid = (int(pre.pixels.shape[-2]) // self.patch_size, int(pre.pixels.shape[-1]) // self.patch_size)
        n_tokens, n_text = len(encoding.tokens), input_ids.shape[1]
        perm = raster_permutation(patch_index, n_text, grid).numpy()
        attention = tuple(a[:, perm][:, :, perm] for a in per_layer(out.attentions))  # [H, S, S] raster order
        layout = joint_layout(n_tokens, grid[0] * grid[1])
        return build_record(self, sample, Captured(
            encoding=encoding,
            grid=grid,
            image_box=pre.image_box,
            attention={"joint": attention},
            layouts={"joint": (layout, layout)},
            order=tuple(("joint", i) for i in range(len(attention))),
            outputs={"match_logit": float(logit.detach()), **outputs},
            timings={"preprocess_s": t1 - t0, "forward_s": t2 - t1},
            grads={"joint": tuple(g[:, perm][:, :, perm] for g in grads)} if grads is not None else None,
            patch_positions=self._patch_positions(grid),
            family_meta={"preprocess": processor_settings(self.image_processor),
                         "relevancy_target": self.relevancy_target,
                         "patch_order": "restored to raster order from ViLT's drawn patch index"},
            notes=ignored_size_note(input_size),
        ))

    def score(self, out) -> tuple[torch.Tensor, dict]:
        """The scalar relevancy follows (on the graph) and the record's extra outputs: the retrieval score."""
        return out.logits[0, 0], {}

    def _patch_positions(self, grid):
        """The position embeddings ViLT adds to this image's patches: its square table, resized to the grid
        as visual_embed resizes it (bilinear, corners aligned). [rows*cols, D]"""
        table = self.net.vilt.embeddings.position_embeddings[0, 1:].detach().float()  # [P*P, D]
        side = int(round(table.shape[0] ** 0.5))
        square = table.T.reshape(1, -1, side, side)  # [1, D, P, P]
        resized = torch.nn.functional.interpolate(square, size=grid, mode="bilinear", align_corners=True)
        return resized[0].flatten(1).T.cpu().numpy()
