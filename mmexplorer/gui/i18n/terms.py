"""Names the engine and the models give in English, shown in the interface's language.

The engine keeps plain English identifiers and labels (they also go into npz
files and figures); the gui translates them here, where they are displayed,
keyed by the identifier or the engine's exact phrase. Anything not listed is
shown as the engine wrote it.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from mmexplorer import families

# where a model came from (the catalog's `source`)
SOURCE_NAMES = {
    "bundled": QT_TRANSLATE_NOOP("Terms", "bundled"),
    "user": QT_TRANSLATE_NOOP("Terms", "user"),
    "file": QT_TRANSLATE_NOOP("Terms", "file"),
}
DEVICE_NAMES = {
    "auto": QT_TRANSLATE_NOOP("Terms", "Auto"),
    "cpu": QT_TRANSLATE_NOOP("Terms", "CPU"),
    "mps": QT_TRANSLATE_NOOP("Terms", "Apple GPU (MPS)"),
}

# The phrases of the map labels from mmexplorer.attention (maps.token_image_map, patch_token_scores,
# capture.default_maps), longest first so a phrase is replaced before any phrase inside it.
LABEL_PHRASES = (
    ("image-branch relevancy of [CLS] (no cross-modal attention: the same for every word)",
     QT_TRANSLATE_NOOP("Terms", "image-branch relevancy of [CLS] (no cross-modal attention: the same for every word)")),
    ("image-branch rollout of [CLS] (no cross-modal attention: the same for every word)",
     QT_TRANSLATE_NOOP("Terms", "image-branch rollout of [CLS] (no cross-modal attention: the same for every word)")),
    ("token-patch cosine similarity (dual encoder: not attention)",
     QT_TRANSLATE_NOOP("Terms", "token-patch cosine similarity (dual encoder: not attention)")),
    ("token-patch cosine similarity (not attention)", QT_TRANSLATE_NOOP("Terms", "token-patch cosine similarity (not attention)")),
    ("gradient-weighted relevancy (Chefer et al. 2021)", QT_TRANSLATE_NOOP("Terms", "gradient-weighted relevancy (Chefer et al. 2021)")),
    ("joint attention, word row → patch columns", QT_TRANSLATE_NOOP("Terms", "joint attention, word row → patch columns")),
    ("joint attention, patch row → word columns", QT_TRANSLATE_NOOP("Terms", "joint attention, patch row → word columns")),
    ("no cross-modal attention in this model", QT_TRANSLATE_NOOP("Terms", "no cross-modal attention in this model")),
    ("image classifier: no text input; see the image attention views",
     QT_TRANSLATE_NOOP("Terms", "image classifier: no text input; see the image attention views")),
    ("joint attention word→patches", QT_TRANSLATE_NOOP("Terms", "joint attention word→patches")),
    ("cross-attention text→image", QT_TRANSLATE_NOOP("Terms", "cross-attention text→image")),
    ("cross-attention image→text", QT_TRANSLATE_NOOP("Terms", "cross-attention image→text")),
    ("attention rollout", QT_TRANSLATE_NOOP("Terms", "attention rollout")),
    ("no words", QT_TRANSLATE_NOOP("Terms", "no words")),
)
METHOD_WORDS = {"rollout": QT_TRANSLATE_NOOP("Terms", "rollout"), "relevancy": QT_TRANSLATE_NOOP("Terms", "relevancy")}
# ", head mean" in a label: the reduction over heads, said as a whole phrase
REDUCTION_PHRASES = {"mean": QT_TRANSLATE_NOOP("Terms", ", mean over heads"), "max": QT_TRANSLATE_NOOP("Terms", ", max over heads"),
                     "min": QT_TRANSLATE_NOOP("Terms", ", min over heads")}


def _t(text: str) -> str:
    return QCoreApplication.translate("Terms", text)


def fusion_name(fusion: str) -> str:
    """A family's short name on buttons and in "<name> fusion" (its declared label, translated), else the name."""
    found = families.find(fusion)
    return _t(found.label) if found is not None and found.label else fusion


def fusion_phrase(fusion: str) -> str:
    """'hybrid fusion', in the interface's language."""
    return QCoreApplication.translate("Terms", "{fusion} fusion").format(fusion=fusion_name(fusion))


def source_name(source: str) -> str:
    return _t(SOURCE_NAMES[source]) if source in SOURCE_NAMES else source


def device_name(device: str) -> str:
    return _t(DEVICE_NAMES[device]) if device in DEVICE_NAMES else device.upper()


def _head(match: re.Match) -> str:
    value = match.group(1)
    if value in REDUCTION_PHRASES:
        phrase = _t(REDUCTION_PHRASES[value])
        return match.group(0) if phrase == REDUCTION_PHRASES[value] else phrase  # English keeps the engine's words
    return QCoreApplication.translate("Terms", ", head {h}").format(h=value)


def map_label(label: str) -> str:
    """An engine map label ("'red': cross-attention text→image, layer 1, head mean") in the interface's language."""
    for english, _ in LABEL_PHRASES:
        if english in label:
            label = label.replace(english, _t(english))
    # "p3: rollout, head mean": method and head words; ", layer 2" / ", last layer (3)"
    label = re.sub(r"(: )(rollout|relevancy)(?=, )", lambda m: m.group(1) + _t(METHOD_WORDS[m.group(2)]), label)
    label = re.sub(r", layer (\d+)", lambda m: QCoreApplication.translate("Terms", ", layer {n}").format(n=m.group(1)), label)
    label = re.sub(r", last layer \((\d+)\)", lambda m: QCoreApplication.translate("Terms", ", last layer ({n})").format(n=m.group(1)), label)
    label = re.sub(r", head (\w+)", _head, label)
    label = re.sub(r", (mean|max|min) over heads", _head, label)  # capture.default_maps says it this way
    return label
