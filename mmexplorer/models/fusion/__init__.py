"""The bundled fusion strategies' networks; each is declared (spec, class, stages) in mmexplorer/families."""

from mmexplorer.models.fusion.registry import build_model, fusion_names, fusion_spec  # noqa: F401
