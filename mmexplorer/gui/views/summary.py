"""Model summary: the architecture facts of the loaded model."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from mmexplorer.gui.state import AppState
from mmexplorer.gui.views.explain import prediction_text
from mmexplorer.gui.views.lazy import LazyRedraw


def summary_rows(info, record=None) -> list[tuple[str, str]]:
    cfg = info.config
    side = cfg.get("image_size", 0) // max(1, cfg.get("patch_size", 1))
    pos = {"learned": "learned", "sincos": "fixed sine-cosine (2D for patches, 1D for words)"}.get(cfg.get("pos_embed"), "?")
    rows = [
        ("model", f"{info.name} ({info.source})"),
        ("file", info.path),
        ("fusion", info.fusion),
        ("cross-modal attention", "yes" if info.has_cross_modal_attention else "no"),
        ("layers", _layers(cfg, record)),
        ("heads", str(cfg.get("heads"))),
        ("width", f"{cfg.get('width')} (both modalities are projected to this shared width)"),
        ("image", f"{cfg.get('image_size')} px, patches of {cfg.get('patch_size')} px → {side} × {side} grid"),
        ("position encoding", pos),
        ("max words", str(cfg.get("max_text_len"))),
        ("vocabulary", f"{len(cfg.get('vocab', ()))} words + specials"),
        ("tasks", ", ".join(cfg.get("tasks", ())) + (f" ({cfg.get('sharing')} parameter sharing)" if len(cfg.get("tasks", ())) > 1 else "")),
        ("objectives", _objectives(cfg.get("objectives") or {})),
        ("parameters", f"{info.parameters:,}"),
        ("device", info.device),
    ]
    if record is not None:
        rows.append(("last prediction", prediction_text(record) or "—"))
    return rows


def _objectives(objectives: dict) -> str:
    """One line per training objective, its settings as 'name: value; ...'."""
    lines = []
    for name, value in objectives.items():
        if isinstance(value, dict):
            value = "; ".join(f"{k}: {v}" for k, v in value.items())
        lines.append(f"{name} — {value}")
    return "\n".join(lines) or "—"


KIND_WORDS = {"joint": "joint", "text": "text", "image": "image", "text_to_image": "text→image",
              "image_to_text": "image→text"}


def _layers(cfg: dict, record) -> str:
    """Layers per attention set, as the last probe ran them (the config's depths mean different things per fusion)."""
    if record is None:
        return f"depth {cfg.get('depth')}, unimodal depth {cfg.get('unimodal_depth')}"
    return ", ".join(f"{KIND_WORDS.get(k, k)} {record.layers(k)}" for k in record.kinds)


class SummaryView(LazyRedraw, QWidget):
    title = "Model"

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
            self.text.setHtml("<p>No model loaded yet.</p>")
            return
        rows = summary_rows(info, self.state.record)
        table = "".join(
            f"<tr><th align='left' valign='top' style='padding-right:12px'>{escape(k)}</th>"
            f"<td>{escape(v).replace(chr(10), '<br>')}</td></tr>"
            for k, v in rows
        )
        note = escape(info.spec.get("note", ""))
        self.text.setHtml(f"<h3>{escape(info.name)}</h3><table>{table}</table><p>{note}</p>")
