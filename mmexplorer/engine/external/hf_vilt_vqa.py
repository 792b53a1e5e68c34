"""Hugging Face ViLT for visual question answering (ViltForQuestionAnswering): early fusion, the text a question.

The same joint transformer and capture as ViLT retrieval (hf_vilt: patches
back in raster order, one joint attention set); the head reads the pooled
[CLS] and scores every answer of the checkpoint's vocabulary (a sigmoid per
answer, as VQA v2 is trained). The model's output is its top answers; the
score relevancy follows is the top answer's logit.
"""

from __future__ import annotations

from pathlib import Path

import torch

from mmexplorer.engine.external.detect import display_name
from mmexplorer.engine.external.hf_common import import_transformers, load_eager, load_image_text_processor
from mmexplorer.engine.external.hf_vilt import HFVilt
from mmexplorer.families.hf_vilt_vqa import FAMILY

FUSION = FAMILY.name
TOP_ANSWERS = 5
SPEC = FAMILY.spec


def load(folder: str | Path, device, name: str | None = None) -> "HFViltVQA":
    tf = import_transformers()
    processor = load_image_text_processor(tf, folder)
    net = load_eager(tf.ViltForQuestionAnswering, folder, device)
    return from_objects(net, processor, name or display_name(Path(folder)), str(folder))


def from_objects(net, processor, name: str, source: str = "") -> "HFViltVQA":
    """The adapter around a network and processor already in memory (`load` reads them from a folder first).

    `net` must already run eager attention in float32 eval mode (engine.external.in_memory sees to it).
    """
    return HFViltVQA(net, processor, name, source)


class HFViltVQA(HFVilt):
    spec = SPEC
    family = "Hugging Face ViLT for question answering (ViltForQuestionAnswering)"
    relevancy_target = "the top answer's logit"

    def scores(self, out) -> tuple[torch.Tensor, list[dict]]:
        """Every pair's top answer logit [B] (on the graph) and its top answers."""
        logits = out.logits  # [B, answers]
        top = torch.topk(logits.detach(), min(TOP_ANSWERS, logits.shape[1]))
        labels = getattr(self.net.config, "id2label", None) or {}
        values, indices = top.values.float().cpu().tolist(), top.indices.cpu().tolist()  # one copy for the batch
        targets, outputs = [], []
        for b, (vals, idx) in enumerate(zip(values, indices)):
            answers = [{"answer": str(labels.get(int(i), int(i))), "prob": float(torch.sigmoid(torch.tensor(v))),
                        "logit": float(v)} for v, i in zip(vals, idx)]
            targets.append(logits[b, idx[0]])
            outputs.append({"answers": answers, "answer": answers[0]["answer"], "match_prob": answers[0]["prob"]})
        return torch.stack(targets), outputs
