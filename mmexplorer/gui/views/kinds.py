"""The attention sets' names in the interface's language (light: the controls use them before the views exist)."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

KIND_NAMES = {
    "joint": QT_TRANSLATE_NOOP("Kinds", "joint (text + image, one stream)"),
    "text": QT_TRANSLATE_NOOP("Kinds", "text self-attention"),
    "image": QT_TRANSLATE_NOOP("Kinds", "image self-attention"),
    "text_to_image": QT_TRANSLATE_NOOP("Kinds", "cross: text → image"),
    "image_to_text": QT_TRANSLATE_NOOP("Kinds", "cross: image → text"),
}


def kind_name(kind: str) -> str:
    """An attention set's name in the interface's language."""
    return QCoreApplication.translate("Kinds", KIND_NAMES[kind]) if kind in KIND_NAMES else kind
