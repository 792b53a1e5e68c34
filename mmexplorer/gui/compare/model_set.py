"""Which models the Compare tab runs: the current model of each fusion strategy, as the fusion buttons switch.

For every strategy, the model the user last used for it (a bundled one, one
they trained, or a real pretrained family they opened: state.fusion_models),
else the first catalog model of that strategy (the bundled set). Plain data,
no Qt: the Tools wiring feeds the result to the panel.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mmexplorer.spec import CATEGORIES

SCORED_SOURCES = ("bundled", "user")  # what the shapes-world evaluation table can score


@dataclass(frozen=True)
class CompareModel:
    name: str  # as the cell and the table name it
    path: str  # what the engine resolves: a checkpoint, a model folder or a Hugging Face id
    fusion: str  # the strategy it stands for (a fusion category)
    scored: bool  # a bundled strategy the evaluation table scores


def fusion_model_set(fusion_models: dict, catalog) -> list[CompareModel]:
    """One model per fusion strategy, in the product's order; strategies with no model are left out."""
    out: list[CompareModel] = []
    seen: set[str] = set()
    for fusion in CATEGORIES:
        picked = fusion_models.get(fusion)
        entry = None
        if catalog is not None:
            entry = catalog.find(picked) if picked else catalog.for_fusion(fusion)
        if entry is not None:
            model = CompareModel(entry.name, entry.path, fusion, entry.source in SCORED_SOURCES)
        elif picked:  # a folder or hub id the catalog does not list: the engine resolves it as the probe did
            model = CompareModel(_shown_name(picked), picked, fusion, False)
        else:
            continue
        if model.path not in seen:
            seen.add(model.path)
            out.append(model)
    return out


def _shown_name(picked: str) -> str:
    """A hub id as it is ("owner/name"); a folder or file by its last part."""
    path = Path(picked).expanduser()
    return path.name if path.is_absolute() or path.exists() else picked
