"""Model summary: the architecture facts of the loaded model."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from mmexplorer.gui.i18n.terms import fusion_name, source_name
from mmexplorer.gui.state import AppState
from mmexplorer.gui.views.explain import prediction_text, spec_note
from mmexplorer.gui.views.lazy import LazyRedraw
from mmexplorer.gui.views.table import VIEW_TITLES
from mmexplorer.gui.views.vocabulary import known_words, vocabulary_summary

translate = QCoreApplication.translate


def summary_rows(info, record=None) -> list[tuple[str, str]]:
    cfg = info.config
    side = cfg.get("image_size", 0) // max(1, cfg.get("patch_size", 1))
    pos = {"learned": translate("Summary", "learned"),
           "sincos": translate("Summary", "fixed sine-cosine (2D for patches, 1D for words)")}.get(cfg.get("pos_embed"), "?")
    sharing = {"hard": translate("Summary", "hard parameter sharing"),
               "soft": translate("Summary", "soft parameter sharing")}
    tasks = ", ".join(cfg.get("tasks", ()))
    if len(cfg.get("tasks", ())) > 1:
        tasks += " (" + sharing.get(cfg.get("sharing"), str(cfg.get("sharing"))) + ")"
    rows = [
        (translate("Summary", "model"), translate("Summary", "{name} ({source})").format(name=info.name, source=source_name(info.source))),
        (translate("Summary", "file"), info.path),
        (translate("Summary", "fusion"), fusion_name(info.fusion)),
        (translate("Summary", "cross-modal attention"),
         translate("Summary", "yes") if info.has_cross_modal_attention else translate("Summary", "no")),
        (translate("Summary", "layers"), _layers(cfg, record)),
        (translate("Summary", "heads"), str(cfg.get("heads"))),
        (translate("Summary", "width"),
         translate("Summary", "{width} (both modalities are projected to this shared width)").format(width=cfg.get("width"))),
        (translate("Summary", "image"), translate("Summary", "{size} px, patches of {patch} px → {side} × {side} grid").format(
            size=cfg.get("image_size"), patch=cfg.get("patch_size"), side=side)),
        (translate("Summary", "position encoding"), pos),
        (translate("Summary", "max words"), str(cfg.get("max_text_len"))),
        (translate("Summary", "vocabulary"), vocabulary_summary(cfg)),
        (translate("Summary", "tasks"), tasks),
        (translate("Summary", "objectives"), _objectives(cfg.get("objectives") or {})),
        (translate("Summary", "parameters"), f"{info.parameters:,}"),
        (translate("Summary", "device"), info.device),
    ]
    if record is not None:
        rows.append((translate("Summary", "last prediction"), prediction_text(record) or "—"))
    return rows


def _objectives(objectives: dict) -> str:
    """One line per training objective, its settings as 'name: value; ...'."""
    lines = []
    for name, value in objectives.items():
        if isinstance(value, dict):
            value = "; ".join(f"{k}: {v}" for k, v in value.items())
        lines.append(f"{name} — {value}")
    return "\n".join(lines) or "—"


KIND_WORDS = {"joint": QT_TRANSLATE_NOOP("Summary", "joint"), "text": QT_TRANSLATE_NOOP("Summary", "text"),
              "image": QT_TRANSLATE_NOOP("Summary", "image"), "text_to_image": QT_TRANSLATE_NOOP("Summary", "text→image"),
              "image_to_text": QT_TRANSLATE_NOOP("Summary", "image→text")}


def _layers(cfg: dict, record) -> str:
    """Layers per attention set, as the last probe ran them (the config's depths mean different things per fusion)."""
    if record is None:
        return translate("Summary", "depth {depth}, unimodal depth {unimodal}").format(
            depth=cfg.get("depth"), unimodal=cfg.get("unimodal_depth"))
    names = {k: translate("Summary", KIND_WORDS[k]) if k in KIND_WORDS else k for k in record.kinds}
    return translate("Summary", ", ").join(f"{names[k]} {record.layers(k)}" for k in record.kinds)


class SummaryView(LazyRedraw, QWidget):
    title = VIEW_TITLES["model"]

    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.state = state
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        self.redraw_on(state.model_info_changed, state.result_changed)
        self.redraw()

    def redraw(self) -> None:
        info = self.state.model_info
        if info is None:
            self.text.setHtml("<p>" + escape(self.tr("No model loaded yet.")) + "</p>")
            return
        rows = summary_rows(info, self.state.record)
        table = "".join(
            f"<tr><th align='left' valign='top' style='padding-right:12px'>{escape(k)}</th>"
            f"<td>{escape(v).replace(chr(10), '<br>')}</td></tr>"
            for k, v in rows
        )
        note = escape(spec_note(info.spec, info.fusion))
        words = known_words(info.config)
        vocab = ""
        if words:  # what the model can read, so a caption can be written in its words
            vocab = (f"<h4>{escape(self.tr('The words this model knows'))}</h4>"
                     f"<p>{escape(', '.join(words))}</p>")
        self.text.setHtml(f"<h3>{escape(info.name)}</h3><table>{table}</table><p>{note}</p>{vocab}")
