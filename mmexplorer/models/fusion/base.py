"""What every fusion strategy shares: both modality stems, the task heads, the fast/explicit switch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from mmexplorer import families
from mmexplorer.config import ModelConfig
from mmexplorer.data.tokenizer import Tokenizer
from mmexplorer.models.attention import Attention
from mmexplorer.models.embeddings import PatchEmbed, TextEmbed
from mmexplorer.spec import FusionSpec

# Per-channel normalisation applied to [0, 1] RGB before the patch embedding.
PIXEL_MEAN = (0.5, 0.5, 0.5)
PIXEL_STD = (0.25, 0.25, 0.25)


@dataclass
class FusionOutput:
    """What a bundled strategy's forward returns for B pairs (on the graph)."""

    itm_logit: torch.Tensor  # [B] image-text match logit (sigmoid: the match probability)
    pooled: torch.Tensor  # [B, D] what the auxiliary task heads read
    text_states: torch.Tensor  # [B, L, D] the text positions' final states ([CLS] at 0)
    patch_states: torch.Tensor  # [B, N, D] the patches' final states, raster order
    grid: tuple[int, int]  # (rows, cols) of the patch grid
    # late and hybrid fusion: the parts of the logit and the unimodal decisions, each [B] (contributions [B, 2])
    branches: Optional[dict] = None
    # a dual encoder (contrastive): unit vectors in the shared space and the temperature
    text_embed: Optional[torch.Tensor] = None  # [B, E] the text's [CLS]
    image_embed: Optional[torch.Tensor] = None  # [B, E] the image's [CLS]
    token_embed: Optional[torch.Tensor] = None  # [B, L, E] every text position ([CLS] at 0)
    patch_embed: Optional[torch.Tensor] = None  # [B, N, E] every patch
    logit_scale: Optional[torch.Tensor] = None  # scalar
    # the optional task heads (forward fills them when the model has them)
    vqa_logits: Optional[torch.Tensor] = None  # [B, answers]
    mlm_logits: Optional[torch.Tensor] = None  # [B, L, vocabulary]


@dataclass(frozen=True)
class Segment:
    """A contiguous run of one modality in a token sequence: positions [start, stop)."""

    modality: str  # "cls", "text" or "image"
    start: int
    stop: int


class FusionModel(nn.Module):
    @property
    def fusion(self) -> str:
        return self.cfg.fusion

    @property
    def spec(self) -> FusionSpec:
        """What this strategy is (cross-modal kind, default map, note), as its family declares it."""
        return families.spec(self.cfg.fusion)

    @property
    def has_cross_modal_attention(self) -> bool:
        return self.spec.has_cross_modal_attention

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.tokenizer = Tokenizer(cfg.vocab, cfg.max_text_len)
        d = cfg.width
        self.patch = PatchEmbed(cfg.patch_size, d, cfg.grid, cfg.pos_embed)
        self.image_proj = nn.Linear(d, d)  # modality projection of patches into the shared width
        self.text = TextEmbed(len(self.tokenizer), d, cfg.max_text_len, cfg.pos_embed)
        self.text_proj = nn.Linear(d, d)  # modality projection of words into the shared width
        self.vqa_head = nn.Linear(d, len(cfg.answers)) if "vqa" in cfg.tasks and cfg.answers else None
        self.mlm_head = nn.Linear(d, len(self.tokenizer)) if cfg.objectives.get("mlm") else None

    # -- stems ---------------------------------------------------------
    def embed_image(self, image: torch.Tensor) -> tuple[torch.Tensor, tuple[int, int]]:
        """image [B, 3, H, W] normalised -> [B, 1 + N, D] ([CLS] first), grid."""
        tokens, grid = self.patch(image)
        return self.image_proj(tokens), grid

    def patch_mask(self, image: torch.Tensor) -> torch.Tensor | None:
        """[B, N] bool, False for the padded patches of a letterboxed input; None when none is padded.

        Letterbox padding is exactly 0 after normalisation and no picture pixel is (models/preprocess.py),
        so a patch of zeros only is padding. Square-resize models (the first generation) never pad: None,
        and their attention runs exactly as before.
        """
        if self.cfg.preprocess != "letterbox":
            return None
        p = self.cfg.patch_size
        valid = F.max_pool2d(image.abs().amax(dim=1, keepdim=True), p, p).flatten(1) > 0  # [B, N]
        return None if bool(valid.all()) else valid

    def embed_text(self, ids: torch.Tensor) -> torch.Tensor:
        """ids [B, L] with [CLS] at 0 -> [B, L, D]."""
        return self.text_proj(self.text(ids))

    # -- what subclasses provide ----------------------------------------
    def fuse(self, image: torch.Tensor, ids: torch.Tensor, mask: torch.Tensor) -> FusionOutput:
        raise NotImplementedError

    def layouts(self, n_text: int, n_patches: int) -> dict[str, tuple[tuple[Segment, ...], tuple[Segment, ...]]]:
        """For each attention kind: the (query, key) segments of its axes."""
        raise NotImplementedError

    # -- public API -----------------------------------------------------
    def forward(self, image: torch.Tensor, ids: torch.Tensor, mask: torch.Tensor) -> FusionOutput:
        """image [B, 3, H, W] normalised, ids [B, L] ([CLS] first), mask [B, L] True for real tokens."""
        out = self.fuse(image, ids, mask)
        if self.vqa_head is not None:
            out.vqa_logits = self.vqa_head(out.pooled)  # [B, answers]
        if self.mlm_head is not None:
            out.mlm_logits = self.mlm_head(out.text_states)  # [B, L, V]
        return out

    def attention_modules(self) -> list[Attention]:
        # Walking every submodule costs more than a small forward pass's worth of
        # bookkeeping, and the architecture never changes after construction.
        found = self.__dict__.get("_attention_modules")
        if found is None:
            found = [m for m in self.modules() if isinstance(m, Attention)]
            self.__dict__["_attention_modules"] = found
        return found

    def config_dict(self) -> dict:
        """cfg.to_dict(), computed once (the config is frozen)."""
        if "_config_dict" not in self.__dict__:
            self.__dict__["_config_dict"] = self.cfg.to_dict()
        return self.__dict__["_config_dict"]

    def set_fused(self, fused: bool) -> None:
        for m in self.attention_modules():
            m.fused = fused

    def patch_positions(self, grid: tuple[int, int] | None = None) -> torch.Tensor:
        """Position embeddings of the patches: [rows*cols, D]."""
        rows, cols = grid or self.cfg.grid
        return self.patch.positions(rows, cols)


def text_layout(n_text: int) -> tuple[Segment, ...]:
    return (Segment("cls", 0, 1), Segment("text", 1, 1 + n_text))


def image_layout(n_patches: int) -> tuple[Segment, ...]:
    return (Segment("cls", 0, 1), Segment("image", 1, 1 + n_patches))
