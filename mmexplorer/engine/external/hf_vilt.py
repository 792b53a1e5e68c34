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
from pathlib import Path

import torch

from mmexplorer.engine.external import batching
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
from mmexplorer.engine.external.record_parts import to_pil
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


def raster_orders(patch_index: torch.Tensor, grids) -> list[torch.Tensor]:
    """For each pair of a padded batch, the drawn position of each of its raster cells: [rows*cols] per pair.

    patch_index: [B, N, 2] (row, col) in the padded grid of each drawn patch; a pair's own patches are those
    inside its grid (the others are padding ViLT drew to fill the batch). Checked on the device, one sync.
    """
    n = patch_index.shape[1]
    out, whole = [], []
    for b, (rows, cols) in enumerate(grids):
        row, col = patch_index[b, :, 0], patch_index[b, :, 1]
        inside = (row < rows) & (col < cols)
        raster = torch.where(inside, row * cols + col, rows * cols + torch.arange(n, device=row.device))  # outside last
        cells = rows * cols
        whole.append(torch.bincount(raster[inside], minlength=cells)[:cells].eq(1).all() & inside.sum().eq(cells))
        out.append(torch.argsort(raster)[:cells])
    if not bool(torch.stack(whole).all()):
        raise ExternalModelError("ViLT did not draw every patch exactly once; cannot restore raster order")
    return out


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

    def forward_batch(self, pixels: torch.Tensor, pixel_mask: torch.Tensor, input_ids: torch.Tensor,
                      text_mask: torch.Tensor):
        """The model's own forward on a padded batch -> (its output, the drawn patch index [B, N, 2])."""
        with self._recording_patch_index() as seen:
            out = self.net(input_ids=input_ids, attention_mask=text_mask, token_type_ids=torch.zeros_like(input_ids),
                           pixel_values=pixels, pixel_mask=pixel_mask, output_attentions=True, return_dict=True)
        return out, seen["patch_index"]

    def capture(self, sample, relevancy: bool = True, input_size: int | None = None) -> AttentionRecord:
        return self._records([sample], relevancy, ignored_size_note(input_size))[0]

    def capture_batch(self, samples, relevancy=True, pixels=None, meta=None) -> list[AttentionRecord]:
        """One forward pass for the batch: texts padded, pictures padded with their pixel mask (each keeps its
        own patch grid and position embeddings), every pair's patches put back in its own raster order."""
        samples = list(samples)
        return batching.finish(self, samples, self._records(samples, batching.needs_gradients(relevancy)), meta)

    def _records(self, samples, relevancy: bool, notes=()) -> list[AttentionRecord]:
        device = self.device
        clock = batching.Clock()
        pres = [self.preprocess(s.image) for s in samples]
        texts = [self.tokenizer.text_ids(s.text) for s in samples]
        ids, text_mask = batching.text_batch([t.ids for t in texts], [t.attention_mask for t in texts],
                                             self.tokenizer.hf.pad_token_id or 0, device)  # [B, L]
        pixels, pixel_mask = batching.picture_batch([p.pixels for p in pres], device)  # [B, 3, H, W], [B, H, W]
        clock.mark_prepared()
        with torch.enable_grad() if relevancy else torch.no_grad():
            out, patch_index = self.forward_batch(pixels, pixel_mask, ids, text_mask)
            require_attentions(self.name, {"joint": out.attentions})
            logits, outputs = self.scores(out)
            grads = batching.score_gradients(logits, out.attentions) if relevancy else None
        clock.mark_ran()
        grids = [(int(p.pixels.shape[-2]) // self.patch_size, int(p.pixels.shape[-1]) // self.patch_size) for p in pres]
        orders = raster_orders(patch_index, grids)  # per pair [n_b]: the drawn position of each raster cell
        n_text, host = ids.shape[1], batching.HostBatch()
        cuts, kept = [], []
        for b, (text, grid) in enumerate(zip(texts, grids)):
            # the pair's own text positions, the image [CLS] after the padded text, its patches in raster order
            own = torch.cat([batching.spans((0, len(text.ids)), (n_text, 1), device=device), n_text + 1 + orders[b]])
            cuts.append(own)
            kept.append((host.add_all([batching.cut(a, b, own, own) for a in out.attentions]),
                         host.add_all([batching.cut(g, b, own, own) for g in batching.zeros_where_unused(
                             grads, out.attentions)]) if grads is not None else None))
        scores = host.add(logits)
        host.fetch()
        records = []
        for b, (sample, pre, text, grid) in enumerate(zip(samples, pres, texts, grids)):
            attention, grad = kept[b]
            layout = joint_layout(len(text.encoding.tokens), grid[0] * grid[1])
            records.append(build_record(self, sample, Captured(
                encoding=text.encoding,
                grid=grid,
                image_box=pre.image_box,
                attention={"joint": host.get_all(attention)},
                layouts={"joint": (layout, layout)},
                order=tuple(("joint", i) for i in range(len(attention))),
                outputs={"match_logit": float(host.get(scores)[b]), **outputs[b]},
                timings=clock.share(len(samples)),
                grads={"joint": host.get_all(grad)} if grad is not None else None,
                patch_positions=self._patch_positions(grid),
                family_meta={"preprocess": processor_settings(self.image_processor),
                             "relevancy_target": self.relevancy_target,
                             "patch_order": "restored to raster order from ViLT's drawn patch index"},
                notes=list(notes),
            )))
        return records

    def scores(self, out) -> tuple[torch.Tensor, list[dict]]:
        """Every pair's relevancy target [B] (on the graph) and its extra outputs: the retrieval score."""
        return out.logits[:, 0], [{} for _ in range(out.logits.shape[0])]

    def _patch_positions(self, grid):
        """The position embeddings ViLT adds to this image's patches: its square table, resized to the grid
        as visual_embed resizes it (bilinear, corners aligned). [rows*cols, D]"""
        table = self.net.vilt.embeddings.position_embeddings[0, 1:].detach().float()  # [P*P, D]
        side = int(round(table.shape[0] ** 0.5))
        square = table.T.reshape(1, -1, side, side)  # [1, D, P, P]
        resized = torch.nn.functional.interpolate(square, size=grid, mode="bilinear", align_corners=True)
        return resized[0].flatten(1).T.cpu().numpy()
