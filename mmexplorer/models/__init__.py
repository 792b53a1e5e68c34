"""Multimodal transformers: layers, encoders and fusion strategies (tensors in, tensors out)."""

from mmexplorer.models.fusion import build_model, fusion_names, fusion_spec  # noqa: F401
