"""Fusion strategies, looked up by name in a registry."""

from mmexplorer.models.fusion.registry import build_model, fusion_names, fusion_spec, register  # noqa: F401

# Importing the modules registers the strategies.
from mmexplorer.models.fusion import contrastive, cross, early, hybrid, late  # noqa: F401,E402
