"""The panel that explains one attention weight: softmax(QKᵀ/√d_k)V for the clicked cell, from the model's numbers.

It only draws a CellExplanation (computed in the engine process): the query
and key and their places on the picture, q and k as bar strips, q·k, d_k,
the scaled score, the row of scaled scores with its mask, the softmax row
with this cell highlighted, v, the cell's contribution next to the head's
output, the position-embedding share, and a short text in plain words.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from mmexplorer.attention.cell_record import CellExplanation, Place
from mmexplorer.gui.pg import pg
from mmexplorer.gui.views.image_panel import ImagePanel
from mmexplorer.gui.views.self_attention import KIND_NAMES
from mmexplorer.gui.widgets.labels import wrapped_label
from mmexplorer.gui.widgets.vector_strip import VectorStrip

QUERY_COLOUR = QColor(40, 200, 80)  # the key keeps the views' cyan patch outline


class CellPanel(QScrollArea):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 4, 6, 4)
        self.heading = wrapped_label(self.tr("Click a cell of an attention matrix, or a patch in the cross-modal view, "
                                             "to see how its weight is made."), lines=2)
        self.heading.setObjectName("heading")
        self.places = wrapped_label("", lines=2)
        self.picture = ImagePanel(colorbar=False)
        self.picture.setMinimumSize(160, 160)
        self.picture.setMaximumHeight(180)
        self.query_marker = pg.QtWidgets.QGraphicsRectItem()
        self.query_marker.setPen(pg.mkPen(QUERY_COLOUR, width=2, cosmetic=True))
        self.query_marker.setZValue(3)
        self.query_marker.hide()
        self.picture.plot.addItem(self.query_marker)
        self.q_strip = VectorStrip(self.tr("q (the query's row of Q, this head)"))
        self.k_strip = VectorStrip(self.tr("k (the key's row of K)"))
        self.score = QLabel()
        self.score.setWordWrap(True)
        self.score.setTextFormat(pg.QtCore.Qt.TextFormat.RichText)
        self.scaled_strip = VectorStrip(self.tr("q·k/√d_k for every key of this query"), height=80)
        self.weight_strip = VectorStrip(self.tr("softmax of that row: the weights"), height=80)
        self.weight = QLabel()
        self.weight.setWordWrap(True)
        self.v_strip = VectorStrip(self.tr("v (the key's row of V)"))
        self.contribution_strip = VectorStrip(self.tr("weight × v: this cell's contribution"))
        self.output_strip = VectorStrip(self.tr("the head's output for this query: Σ over keys of weight × v"))
        self.positions = wrapped_label("", lines=2)
        self.explain = wrapped_label("", lines=4)
        self.explain.setObjectName("note")
        for w in (self.heading, self.places, self.picture, self.q_strip, self.k_strip, self.score, self.scaled_strip,
                  self.weight_strip, self.weight, self.v_strip, self.contribution_strip, self.output_strip,
                  self.positions, self.explain):
            layout.addWidget(w)
        layout.addStretch(1)
        self.setWidget(body)
        self.setMinimumWidth(340)
        self.explanation: Optional[CellExplanation] = None

    # -- what the tool tells it ---------------------------------------------------
    def show_pending(self, what: str) -> None:
        self.heading.setText(self.tr("Computing q, k and v for {what}…").format(what=what))

    def show_stale(self) -> None:
        self.heading.setText(self.tr("The record shown has no such cell: click a cell to explain it."))

    def show_error(self, message: str) -> None:
        self.heading.setText(self.tr("This weight cannot be explained: {message}").format(message=message))

    def show_explanation(self, e: CellExplanation, pixels: Optional[np.ndarray], image_box, note: str = "") -> None:
        self.explanation = e
        kind = KIND_NAMES.get(e.kind, e.kind)
        self.heading.setText(self.tr("{kind}, layer {layer}, head {head}: weight of '{q}' → '{k}' = {w:.4f}").format(
            kind=kind, layer=e.layer, head=e.head, q=e.query.label, k=e.key.label, w=e.weight) + note)
        self.places.setText(self.tr("Query: {q}; queries come from {qm}. Key: {k}; keys and values come from {km}.").format(
            q=self._where(e.query), qm=self._modalities(e.query_modalities), k=self._where(e.key),
            km=self._modalities(e.key_modalities)))
        self._mark(e, pixels, image_box)
        dims = [f"[{i}]" for i in range(e.d_k)]
        self.q_strip.set_values(e.q, names=dims, caption=f"  (d_k = {e.d_k})")
        self.k_strip.set_values(e.k, names=dims)
        masked = not e.mask[e.key.index]
        scaled = self.tr("masked: this query may not see this key (−∞)") if masked else f"{e.scaled:+.4f}"
        self.score.setText(self.tr("q·k = <b>{score:+.4f}</b>; d_k = {d}, √d_k = {root:.3f}; scaled score q·k/√d_k = "
                                   "<b>{scaled}</b>").format(score=e.score, d=e.d_k, root=e.d_k ** 0.5, scaled=scaled))
        labels = self._key_labels(e)
        n_masked = int((~e.mask).sum())
        self.scaled_strip.set_values(e.row_scaled, highlight=e.key.index, masked=e.mask, names=labels,
                                     caption=self.tr("  ({n} masked, ×)").format(n=n_masked) if n_masked else "")
        self.weight_strip.set_values(e.row_weights, highlight=e.key.index, names=labels,
                                     caption=self.tr("  (sum {s:.3f})").format(s=float(e.row_weights.sum())))
        self.weight.setText(self.tr("This cell: exp(scaled) / Σ exp(row) = {w:.6f} (the model's own weight: {m:.6f}); "
                                    "the row's largest weight is {top:.4f}.").format(
            w=e.weight, m=e.model_weight, top=float(e.row_weights.max())))
        self.v_strip.set_values(e.v, names=dims)
        self.contribution_strip.set_values(e.contribution, names=dims)
        self.output_strip.set_values(e.output, names=dims)
        self.positions.setText(self._position_text(e))
        self.positions.setToolTip(e.position_note)
        self.explain.setText(self._plain_words(e))

    # -- pieces ----------------------------------------------------------------
    def _where(self, p: Place) -> str:
        if p.patch is not None:
            return self.tr("patch p{n} (row {r}, column {c})").format(n=p.patch, r=p.row, c=p.col)
        if p.modality == "cls":
            return self.tr("[CLS] (position {i})").format(i=p.index)
        if p.modality == "pad":  # padding the model was fed (SigLIP's text, SigLIP 2's patches)
            return self.tr("padding (position {i})").format(i=p.index)
        return self.tr("the word '{w}' (position {i})").format(w=p.label, i=p.index)

    def _modalities(self, modalities) -> str:
        """An axis's modalities in words: the text, the image, or one joint stream."""
        m = set(modalities)
        if {"text", "image"} <= m:
            return self.tr("one stream of [CLS] + words + patches")
        if "image" in m:
            return self.tr("the image ([CLS] + patches)")
        return self.tr("the text ([CLS] + words)")

    @staticmethod
    def _key_labels(e: CellExplanation) -> list[str]:
        return [f"{j} {label}" for j, label in enumerate(e.key_labels)] or [f"key {j}" for j in range(len(e.mask))]

    def _mark(self, e: CellExplanation, pixels, image_box) -> None:
        self.picture.set_picture(pixels)
        self.picture.set_map(None, e.grid, image_box, (0, 1), "inferno", 0.0)
        self.picture.mark_patch(e.key.patch)
        if e.query.patch is None:
            self.query_marker.hide()
            return
        rows, cols = e.grid
        x0, y0, x1, y1 = image_box
        w, h = (x1 - x0) / cols, (y1 - y0) / rows
        self.query_marker.setRect(QRectF(x0 + e.query.col * w, y0 + e.query.row * h, w, h))
        self.query_marker.show()

    def _position_text(self, e: CellExplanation) -> str:
        if e.position_share is None:
            return self.tr("Position embeddings: their share of this score is not available here.")
        return self.tr("Position embeddings: without them the scaled score would be {without:+.4f} (weight {w:.4f}); "
                       "they add {share:+.4f} to it. Hover for how this is measured.").format(
            without=e.scaled_no_pos, w=e.weight_no_pos, share=e.position_share)

    def _plain_words(self, e: CellExplanation) -> str:
        text = self.tr(
            "What am I looking at: attention computes softmax(QKᵀ/√d_k)·V. Every position asks with a query vector q and "
            "offers a key k and a value v. A cell's weight is how well this query matches this key (q·k), divided by "
            "√d_k so scores do not grow with the vector length, then turned by the softmax into shares of the row that "
            "add up to 1. The head's output for the query is the sum of every key's value times its weight; this cell "
            "adds weight × v.")
        if set(e.query_modalities) != set(e.key_modalities):
            text += " " + self.tr("This is cross-attention: the queries come from {q} and the keys and values from "
                                  "{k}.").format(q=self._modalities(e.query_modalities),
                                                     k=self._modalities(e.key_modalities))
        elif e.query.modality != e.key.modality and "cls" not in (e.query.modality, e.key.modality):
            text += " " + self.tr("One stream holds both modalities here, so this cell is where a {q} reads a {k}.").format(
                q=self._one(e.query.modality), k=self._one(e.key.modality))
        return text

    def _one(self, modality: str) -> str:
        return {"text": self.tr("word"), "image": self.tr("patch")}.get(modality, modality)
