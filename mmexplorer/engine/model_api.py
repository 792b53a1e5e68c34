"""The one interface every explorable model implements: bundled strategies and pretrained families alike.

A loaded model is an ExplorableModel: a small object that carries the name
the user picked it by and where it came from, and holds the network. The
engine and the app only ever use what is declared here (as open_clip's small
model API: preprocessing travels with the model, capture returns the record).
"""

from __future__ import annotations

import dataclasses
import math
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Iterator, Mapping, Protocol, Sequence

import numpy as np
import torch

from mmexplorer.attention.record import AttentionRecord
from mmexplorer.data.image import LoadedImage
from mmexplorer.data.tokenizer import Encoding
from mmexplorer.spec import FusionSpec

Box = tuple[float, float, float, float]


def score_of(outputs: Mapping, target: str | None = None) -> float:
    """The score a record's outputs give: the match probability, else the probability of class `target`
    (the top class when None; 0 when `target` is not among the classes listed); NaN when there is neither."""
    if "match_prob" in outputs:
        return float(outputs["match_prob"])
    classes = outputs.get("classes") or []
    if classes and target is None:
        return float(classes[0][1])
    found = [p for label, p in classes if label == target]
    return float(found[0]) if found else (0.0 if classes else math.nan)


class EvaluationUnavailable(ValueError):
    """The model was not trained on the shapes world, so its evaluation does not apply."""


class TextTokenizer(Protocol):
    max_len: int  # tokens kept after the start token; longer text is truncated

    def encode(self, text: object) -> Encoding: ...


class ModelConfigLike(Protocol):
    """What the app reads of a model's config: the bundled ModelConfig and the adapters' ExternalConfig."""

    name: str
    fusion: str

    def to_dict(self) -> dict: ...

    def to_json(self) -> str: ...


@dataclass(frozen=True)
class Preprocessed:
    pixels: torch.Tensor  # float32 [1, 3, H, W], normalised as the model expects ([1, M, 3*p*p] patches for NaFlex)
    image_box: Box  # [x0, y0, x1, y1] of the original image, in its pixels, that the grid covers
    notes: tuple[str, ...] = ()  # e.g. "image box approximate"
    extras: Mapping = field(default_factory=dict)  # other tensors the processor made (pixel_mask, spatial_shapes)


class ExplorableModel(ABC):
    """name and path say how the user picked the model; spec says what kind of fusion it is."""

    name: str  # as the user selected it (catalog name, hub id, folder name)
    path: str  # the file or folder it was loaded from ("" for a model built in memory)
    spec: FusionSpec
    tokenizer: TextTokenizer
    cfg: ModelConfigLike

    def summary(self) -> dict:
        """JSON-able facts for the model-summary panel (the config, with the family's details)."""
        return self.cfg.to_dict()

    @abstractmethod
    def networks(self) -> Iterator[torch.nn.Module]:
        """The torch modules holding the weights (for the device, parameter count, moving)."""

    @abstractmethod
    def preprocess(self, image: LoadedImage, input_size: int | None = None) -> Preprocessed:
        """The model's own image preprocessing, and the region of the photo it keeps."""

    @abstractmethod
    def capture(self, sample, relevancy: bool = True, input_size: int | None = None) -> AttentionRecord:
        """One forward pass on `sample` (a Sample whose encoding came from self.tokenizer) -> the record.

        With `relevancy`, gradients of the match score (or top class logit) with
        respect to every captured attention map are in record.grads.
        """

    def capture_batch(self, samples: Sequence, relevancy=True, pixels: Sequence | None = None,
                      meta: Mapping | None = None) -> list[AttentionRecord]:
        """One record per sample, each equal to what probing it alone gives.

        This default probes them one by one; a family that pads a batch into one forward pass overrides it.
        `pixels`: the pictures already at the model's input size (see worker_preprocessing), else None.
        """
        from mmexplorer.engine.probe import probe

        return [probe(self, s, relevancy=bool(relevancy)) for s in samples]

    # -- perturbation and scoring (engine.faithfulness) -------------------
    def blank_colour(self, pixels: np.ndarray) -> np.ndarray:
        """uint8 [3]: the colour a removed patch is painted with, the model's own blank input.

        This default is mid-grey, 128 in every channel: the colour the common image normalisations
        (mean 0.5, or CLIP's and ImageNet's means, all within 0.06 of it) bring close to zero.
        """
        return np.full(3, 128, dtype=np.uint8)

    def score_name(self) -> str:
        """What match_scores returns, in words."""
        return "match probability (or the probability of the unperturbed input's top class)"

    def score_target(self, record: AttentionRecord) -> str | None:
        """What match_scores should keep scoring for perturbed copies of the record's input: the top class of a
        classifier's unperturbed input (None for a match score)."""
        classes = record.outputs.get("classes") or []
        return None if "match_prob" in record.outputs or not classes else str(classes[0][0])

    def match_scores(self, samples: Sequence, target: str | None = None) -> np.ndarray:
        """float64 [B]: each sample's score (score_of its outputs), forward only.

        This default captures the batch without gradients; a family with a cheaper forward-only path overrides it.
        """
        records = self.capture_batch(list(samples), relevancy=False)
        return np.array([score_of(r.outputs, target) for r in records], dtype=np.float64)

    # -- ablation (engine.ablation) ---------------------------------------
    def ablated_capture(self, sample, ablation) -> AttentionRecord:
        """The record of `sample` with `ablation` (engine.ablation.Ablation) applied, without gradients; an empty
        ablation gives exactly capture(sample, relevancy=False)."""
        from mmexplorer.engine.ablation import AblationUnavailable

        raise AblationUnavailable(f"ablation is not available for {self.spec.fusion} models yet")

    def ablated_scores(self, sample, ablations: Sequence, target: str | None = None) -> np.ndarray:
        """float64 [len(ablations)]: the score of `sample` under each ablation (this default: one capture each)."""
        return np.array([score_of(self.ablated_capture(sample, a).outputs, target) for a in ablations], dtype=np.float64)

    def worker_preprocessing(self) -> ModelConfigLike | None:
        """The config a batch run's loader processes resize pictures with, so that capture_batch gets them at
        size; None (the default): the model preprocesses each picture itself."""
        return None

    def head_tensors(self, sample, kind: str, layer: int, positions: bool = True):
        """Q, K and V of one attention module for `sample` (attention.qkv.HeadTensors), for the cell explainer."""
        from mmexplorer.attention.qkv import CellError

        raise CellError(f"explaining single attention weights is not available for {self.spec.fusion} models yet")

    def evaluate(self, **settings) -> dict:
        """The shapes-world evaluation (engine.evaluate), for models trained on it."""
        raise EvaluationUnavailable(f"{self.name} is a pretrained {self.spec.category} model: eval scores the bundled "
                                    "strategies on the shapes world only")

    def evaluate_binding(self, **settings) -> dict:
        """The binding scenes' evaluation (engine.evaluate_binding), for models trained on the shapes world."""
        return self.evaluate(**settings)  # refuses alike

    # -- derived ---------------------------------------------------------
    def parameters(self) -> Iterator[torch.nn.Parameter]:
        for net in self.networks():
            yield from net.parameters()

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    @property
    def has_cross_modal_attention(self) -> bool:
        return self.spec.has_cross_modal_attention

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())


class BundledModel(ExplorableModel):
    """A model of one of the bundled fusion strategies (a FusionModel from a checkpoint or built in memory)."""

    def __init__(self, net, name: str | None = None, path: str = "", extra: dict | None = None) -> None:
        self.net = net  # the FusionModel: what training and evaluation use directly
        self.name = name or net.cfg.name
        self.path = path
        self.extra = dict(extra or {})  # what the checkpoint recorded beside the config (training run facts)
        self.spec = net.spec
        self.tokenizer = net.tokenizer
        self.cfg = net.cfg

    def summary(self) -> dict:
        return self.net.config_dict()

    def networks(self):
        yield self.net

    def preprocess(self, image: LoadedImage, input_size: int | None = None) -> Preprocessed:
        from mmexplorer.models.preprocess import image_tensor, input_geometry

        width, height = image.size
        tensor = image_tensor(image.pixels, self.cfg, input_size)  # [1, 3, S, S]
        # never cropped: the grid covers all of the picture (square resize), or more of it (letterbox padding)
        box, _ = input_geometry(self.cfg, width, height, (tensor.shape[-2] // self.cfg.patch_size,) * 2)
        return Preprocessed(tensor, box)

    def capture(self, sample, relevancy: bool = True, input_size: int | None = None) -> AttentionRecord:
        from mmexplorer.attention.capture import capture

        return capture(self.net, sample, self.device, relevancy=relevancy, name=self.name, input_size=input_size,
                       started=time.perf_counter())

    def capture_batch(self, samples, relevancy=True, pixels=None, meta=None) -> list[AttentionRecord]:
        """One padded forward pass for all samples (attention.capture_batch)."""
        from mmexplorer.attention.capture_batch import capture_batch
        from mmexplorer.models.preprocess import image_tensor

        images = image_tensor(list(pixels), self.cfg) if pixels is not None else None  # [B, 3, S, S], already at size
        return capture_batch(self.net, list(samples), self.device, relevancy=relevancy, name=self.name, meta=meta,
                             images=images)

    def worker_preprocessing(self):
        return self.cfg

    def blank_colour(self, pixels: np.ndarray) -> np.ndarray:
        """The picture's dominant colour (per-channel median): the shapes world's empty canvas, which is what
        these models saw around every object in training."""
        return np.median(np.asarray(pixels).reshape(-1, 3), axis=0).astype(np.uint8)

    def score_name(self) -> str:
        return "match probability"

    def match_scores(self, samples, target=None) -> np.ndarray:
        """sigmoid(match logit) of each sample from the fused forward pass, 64 at a time, nothing recorded."""
        from mmexplorer.models.preprocess import image_tensor, text_tensor

        samples = list(samples)
        out = []
        with torch.inference_mode():
            for i in range(0, len(samples), 64):
                part = samples[i:i + 64]
                images = image_tensor([s.image.pixels for s in part], self.cfg).to(self.device)  # [b, 3, S, S]
                ids, mask = text_tensor([s.encoding for s in part], self.tokenizer)  # [b, L]
                logits = self.net(images, ids.to(self.device), mask.to(self.device)).itm_logit  # [b]
                out.append(torch.sigmoid(logits.float()).cpu().numpy())
        return np.concatenate(out).astype(np.float64) if out else np.zeros(0)

    def ablated_capture(self, sample, ablation) -> AttentionRecord:
        from mmexplorer.engine import ablation as ab

        gates = ab.gates_for(self.net, [ablation], len(sample.encoding.tokens), [ab.region_patches(self, sample, ablation)])
        with ab.applied(self.net, gates, self.device):
            record = self.capture(sample, relevancy=False)
        if ablation.empty:
            return record
        return dataclasses.replace(record, meta={**record.meta, "ablation": ablation.to_dict()})

    def ablated_scores(self, sample, ablations, target=None) -> np.ndarray:
        """One forward pass for all ablations: the sample repeated, one ablation per batch row."""
        from mmexplorer.engine import ablation as ab
        from mmexplorer.models.preprocess import image_tensor, text_tensor

        ablations = list(ablations)
        if not ablations:
            return np.zeros(0)
        regions = [ab.region_patches(self, sample, a) for a in ablations]
        gates = ab.gates_for(self.net, ablations, len(sample.encoding.tokens), regions)
        b = len(ablations)
        image = image_tensor(sample.image.pixels, self.cfg).to(self.device).expand(b, -1, -1, -1)  # [B, 3, S, S]
        ids, mask = text_tensor(sample.encoding, self.tokenizer)  # [1, L]
        with torch.inference_mode(), ab.applied(self.net, gates, self.device):
            logits = self.net(image, ids.to(self.device).expand(b, -1), mask.to(self.device).expand(b, -1)).itm_logit
        return torch.sigmoid(logits.float()).cpu().numpy().astype(np.float64)

    def head_tensors(self, sample, kind: str, layer: int, positions: bool = True):
        from mmexplorer.attention.qkv import bundled_head_tensors

        return bundled_head_tensors(self.net, sample, kind, layer, positions=positions)

    def evaluate(self, **settings) -> dict:
        from mmexplorer.engine.evaluate import evaluate

        return evaluate(self.net, name=self.name, **settings)

    def evaluate_binding(self, **settings) -> dict:
        from mmexplorer.engine.evaluate_binding import evaluate_binding

        return evaluate_binding(self.net, name=self.name, **settings)
