"""Cross-modal view: the selected word's map over the picture; a clicked patch's scores for every word."""

from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from mmexplorer.attention.maps import patch_token_extent, patch_token_scores, token_image_map
from mmexplorer.gui.levels import bar_range, bar_ticks, token_map_levels
from mmexplorer.gui.i18n.terms import map_label
from mmexplorer.gui.pg import overlay_colormap, pg
from mmexplorer.gui.state import AppState
from mmexplorer.gui.views.aspect import distortion_text, input_size, is_distorted
from mmexplorer.gui.views.branches import BranchesPanel
from mmexplorer.gui.views.explain import fusion_note
from mmexplorer.gui.views.image_panel import ImagePanel
from mmexplorer.gui.views.matrix_axes import fit_labels
from mmexplorer.gui.views.lazy import LazyRedraw
from mmexplorer.gui.views.table import VIEW_TITLES
from mmexplorer.gui.views.zoom import zoom_hint
from mmexplorer.gui.widgets.columns import column, side_by_side
from mmexplorer.gui.widgets.labels import wrapped_label


class CrossModalView(LazyRedraw, QWidget):
    SELECTION_KEYS = frozenset({"token", "layer", "head", "reduction", "method", "patch"})  # what its picture depends on
    title = VIEW_TITLES["cross"]
    cell_picked = Signal(str, int, int, int)  # kind, layer, query, key: the selected word's cell for a clicked patch

    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.state = state
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setObjectName("note")
        self.label = wrapped_label(self.tr("Loading PyTorch and the model; the first map appears in a moment…"), lines=1)
        self.image = ImagePanel()
        self.image.setToolTip(self.tr("Click a patch to see its scores for every word; hover to read values") + "\n" + zoom_hint())
        self.hover = wrapped_label(" ", lines=1)
        # what the model's preprocessing did to the picture's shape, and a switch to see it that way
        self.shape_box = QCheckBox(self.tr("As the model saw it"))
        self.shape_box.setChecked(True)
        self.shape_box.setToolTip(self.tr("Draw the picture with the proportions of the model's input, as squashed, "
                                          "cropped or padded as the model saw it; untick for the picture's own shape"))
        self.shape_box.toggled.connect(self.image.show_model_shape)
        self.shape_note = QLabel()
        self.shape_note.setObjectName("note")
        self.shape_note.setWordWrap(True)
        self.image.show_model_shape(True)
        shape_row = QHBoxLayout()
        shape_row.setContentsMargins(0, 0, 0, 0)
        shape_row.addWidget(self.shape_box)
        shape_row.addWidget(self.shape_note, 1)
        self.shape_row = QWidget()
        self.shape_row.setLayout(shape_row)
        self.shape_row.hide()
        # word-wrapped: long labels must not widen the side panel
        self.bars_title = wrapped_label(self.tr("Click a patch to see how it scores every word"), lines=4)
        self.bars_plot = pg.PlotWidget()
        self.bars_plot.setMenuEnabled(False)
        self.bars_plot.setMouseEnabled(False, False)
        self.bars_plot.hideButtons()
        self.bars_plot.setMinimumHeight(140)
        self.bars_plot.getAxis("left").enableAutoSIPrefix(False)
        self.bars_plot.getAxis("left").setWidth(60)  # fixed (room for "0.00125"): a new range must not relayout the whole plot
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush="#e07b39")
        self.bars_plot.addItem(self.bars)
        # Bars fit the scores shown (tiny values stay visible); ticked, one axis for every layer and head, to compare them.
        self.same_axis = QCheckBox(self.tr("Same axis for every layer and head"))
        self.same_axis.setToolTip(self.tr("Keep one y axis while you flip through layers and heads, so bar heights compare; "
                                          "unticked, the axis fits the scores shown"))
        self.same_axis.toggled.connect(lambda _: self.redraw())
        self.same_axis.hide()
        self.branches = BranchesPanel()
        self.branches.hide()
        self.bars_plot.hide()  # until there is a record

        side = column(self.bars_title, self.bars_plot, self.same_axis, self.branches, stretch=(self.bars_plot, self.branches))
        splitter = side_by_side(column(self.label, self.image, self.shape_row, self.hover, stretch=(self.image,)), side)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(splitter, 1)

        self.scores: Optional[np.ndarray] = None  # the patch's scores for every word, as drawn
        self._levels_key = None
        self._levels = (0.0, 1.0)
        self._drawn_picture = None
        self._bar_ticks = None  # the bar chart's word ticks and (x, y) ranges last applied
        self._bar_ranges = None
        self._bars_drawn = None  # (scores, focused word) of the bars on screen
        self._bar_range_key, self._bar_range = None, (0.0, 1.0)
        self._focused, self._other = pg.mkBrush("#e07b39"), pg.mkBrush("#9bb7d4")
        self.image.patch_clicked.connect(lambda p: state.select(patch=p))
        self.image.patch_clicked.connect(self._cell_for_patch)
        self.bars_plot.scene().sigMouseClicked.connect(self._bar_clicked)
        self.image.patch_hovered.connect(self._hovered)
        state.image_changed.connect(self._preview)
        state.display_changed.connect(self._loading_colours)
        state.catalog_changed.connect(self._no_models)
        state.message.connect(self._first_probe_failed)
        # The state can be ahead of this view (built after the window is on screen): catch up.
        self._preview()
        self._loading_colours()
        self._no_models()
        self.follow(state)

    def _preview(self) -> None:
        """Before the first probe is back, show the bare picture so the window is not empty."""
        if self.state.record is None and self.state.image is not None:
            self.image.set_picture(self.state.image.pixels)

    def _first_probe_failed(self, _text: str, level: str) -> None:
        """No map yet and the probe failed: say so instead of 'Loading…' forever (the message bar has why)."""
        if level == "error" and self.state.record is None and not self.state.busy:
            self.label.setText(self.tr("Nothing to show yet: the message above says what went wrong. "
                                       "Pick another model or picture."))

    def _loading_colours(self) -> None:
        """Until the first map, the colour bar already shows the colormap picked (a saved one included)."""
        if self.state.record is None and self.image.colorbar is not None:
            self.image.colorbar.show(overlay_colormap(self.state.colormap), self.image.colorbar.levels())

    def _no_models(self) -> None:
        if self.state.record is None and self.state.catalog is not None and not self.state.catalog.models:
            self.label.setText(self.tr("There is no model to run yet: see the message above."))

    def _levels_for(self, record, method, head):
        key = (self.state.result_id, method, head if method != "raw" else head == "min")  # raw: one scale, but min's own
        if key != self._levels_key:
            self._levels_key, self._levels = key, token_map_levels(record, method, head)
        return self._levels

    _branches_for = None  # the record whose branch contributions are drawn

    def redraw(self) -> None:
        s = self.state
        record = s.record
        if record is None:
            return
        if self._drawn_picture is not s.result.image:
            self.image.set_picture(s.result.image.pixels)
            self._drawn_picture = s.result.image
        self.note.setText(fusion_note(record))
        self._show_shape(record)
        if not record.tokens:
            self.image.set_map(None, record.grid, record.image_box, (0, 1), s.colormap, s.opacity)
            self.label.setText(self.tr("Type some words to see where each of them looks in the picture."))
        else:
            layer = s.layer_of(record.cross_kind)
            scores, label = token_image_map(record, s.token, layer, s.head_arg, s.map_method)
            label = map_label(label)
            levels = self._levels_for(record, s.map_method, s.head_arg)
            if levels[0] < 0:  # say so rather than override the colormap silently
                label += self.tr("  (signed: drawn blue–red around zero, whatever the colormap)")
            if s.map_method != s.method:
                label += self.tr("  (computing gradients for relevancy…)")
            self.image.set_map(scores, record.grid, record.image_box, levels, s.colormap, s.opacity)
            self.label.setText(label)
        self.image.mark_patch(self.shown_patch())
        if self._hovered_patch >= 0:  # the read-out names the word and value now shown, not the old ones
            self._hovered(self._hovered_patch)
        self._draw_bars(record)
        if self._branches_for is not record:  # branch contributions depend on the record alone
            self.branches.show_record(record)
            self._branches_for = record

    def _show_shape(self, record) -> None:
        """Say how the model's preprocessing changed the picture's shape (only when it did)."""
        cfg = (self.state.model_info.config if self.state.model_info else record.meta.get("config", {})) or {}
        size = input_size(record.grid, cfg)
        distorted = is_distorted(record.image_box, size)
        if distorted:
            text = self.tr("The model saw it {how}.").format(how=distortion_text(record.image_size, record.image_box, size))
            if text != self.shape_note.text():
                self.shape_note.setText(text)
        self.shape_row.setVisible(distorted)

    def shown_patch(self):
        """The clicked patch, or until there is one, the brightest patch of the map."""
        record = self.state.record
        no_scores = record is None or (record.cross_kind is None and record.similarity is None)
        if self.state.patch is not None or no_scores or self.image.map is None or self.image.map.size == 0:
            return self.state.patch
        return int(np.argmax(self.image.map))

    def _draw_bars(self, record) -> None:
        s = self.state
        no_cross = record.cross_kind is None and record.similarity is None
        self.bars_plot.setVisible(not no_cross and bool(record.tokens))
        self.same_axis.setVisible(not no_cross and bool(record.tokens))
        if no_cross:
            self.bars_title.setText(self.tr("No cross-modal attention in this model: patches do not look at words."))
            self.scores = None
            return
        patch = self.shown_patch()
        if patch is None or not record.tokens:
            self.bars_title.setText(self.tr("Click a patch to see how it scores every word"))
            self.bars.setOpts(x=[], height=[])
            self._bars_drawn = None
            self.scores = None
            return
        layer = s.layer_of("image_to_text" if "image_to_text" in record.attention else record.cross_kind)
        scores, label = patch_token_scores(record, patch, layer, s.head_arg, s.map_method)
        self.scores = scores
        hint = "" if s.patch is not None else self.tr("  (the brightest patch; click any other)")
        fixed = self._bar_range_for(record, patch, s.map_method, s.head_arg)  # the same for every layer and head
        if self.same_axis.isChecked():
            bottom, top = fixed
            largest = float(np.max(np.abs(scores))) if len(scores) else 0.0
            if largest < 0.05 * max(top, -bottom):  # flat bars: say so rather than look empty
                hint += "\n" + self.tr("Every score here is at most {largest}; the axis stays fixed across layers and heads.").format(
                    largest=f"{largest:.2g}")
        else:
            bottom, top = bar_range(float(min(0.0, scores.min(initial=0.0))), float(scores.max(initial=0.0)))
            if top < 0.5 * max(fixed[1], -fixed[0]):  # much smaller than elsewhere: the zoomed axis must not mislead
                hint += "\n" + self.tr("Axis fitted to these scores (up to {top}); other layers and heads reach {other}.").format(
                    top=f"{top:.3g}", other=f"{max(fixed[1], -fixed[0]):.3g}")
        self.bars_title.setText(self.tr("Patch → words: {label}").format(label=map_label(label)) + hint)
        drawn = (scores.tobytes(), s.token)
        if drawn != self._bars_drawn:  # setOpts re-measures the whole chart: skip it when nothing moved
            self.bars.setOpts(x=np.arange(len(scores)), height=scores, width=0.7,
                              brushes=[self._focused if i == s.token else self._other for i in range(len(scores))])
            self._bars_drawn = drawn
        ticks = [(i, ("[UNK] " if u else "") + t) for i, (t, u) in enumerate(zip(record.tokens, record.token_unk))]
        width = max(1.0, self.bars_plot.getViewBox().sceneBoundingRect().width())
        # Axes are the slowest part of a plot to draw: touch them only when they change.
        ticks = [fit_labels(ticks, width / max(1, len(scores)))]
        if ticks != self._bar_ticks:
            self.bars_plot.getAxis("bottom").setTicks(ticks)
            self._bar_ticks = ticks
        ranges = ((-0.6, len(scores) - 0.4), (bottom, top))
        if ranges != self._bar_ranges:
            pad = 0.06 * (top - bottom)  # room for the top and bottom tick labels
            self.bars_plot.setRange(xRange=ranges[0], yRange=(bottom - (pad if bottom < 0 else 0), top + pad), padding=0)
            self.bars_plot.getAxis("left").setTicks([bar_ticks(bottom, top), []])
            self._bar_ranges = ranges

    def _bar_range_for(self, record, patch, method, head):
        """The patch's bars keep one round y range across words, layers and heads, like the map's
        colour levels: heights stay comparable, and the axis is not redrawn on every change."""
        key = (self.state.result_id, patch, method, head if method != "raw" else None)
        if key != self._bar_range_key:
            self._bar_range_key, self._bar_range = key, bar_range(*patch_token_extent(record, patch, method, head))
        return self._bar_range

    def _cell_for_patch(self, patch: int) -> None:
        """The clicked patch and the selected word are one cell of the cross-modal attention: the word's row, the patch's column."""
        record = self.state.record
        if record is None or record.cross_kind is None or not record.tokens:
            return
        kind = record.cross_kind
        words, patches = record.positions(kind, 0, "text"), record.positions(kind, 1, "image")
        if self.state.token < len(words) and patch < len(patches):
            self.cell_picked.emit(kind, self.state.layer_of(kind), int(words[self.state.token]), int(patches[patch]))

    def _bar_clicked(self, event) -> None:
        """A word's bar for the shown patch is one cell too: the patch's row, the word's column."""
        record, patch = self.state.record, self.shown_patch()
        if record is None or patch is None or self.scores is None or record.cross_kind is None:
            return
        box = self.bars_plot.getViewBox()
        if not box.sceneBoundingRect().contains(event.scenePos()):
            return
        word = int(round(box.mapSceneToView(event.scenePos()).x()))
        kind = "image_to_text" if "image_to_text" in record.attention else record.cross_kind
        patches, words = record.positions(kind, 0, "image"), record.positions(kind, 1, "text")
        if 0 <= word < len(words) and patch < len(patches):
            self.cell_picked.emit(kind, self.state.layer_of(kind), int(patches[patch]), int(words[word]))

    _hovered_patch = -1  # the patch under the pointer (-1: none)

    def _hovered(self, patch: int) -> None:
        self._hovered_patch = patch
        record = self.state.record
        if record is None or patch < 0:
            self.hover.setText(" ")
            return
        r, c = divmod(patch, record.grid[1])
        value = self.image.value_at(patch)
        word = self.tr(" for '{word}'").format(word=record.tokens[self.state.token]) if record.tokens else ""
        self.hover.setText(self.tr("patch p{patch} (row {row}, col {col}): {value}").format(patch=patch, row=r, col=c, value=f"{value:.4f}") + word
                           if value is not None else self.tr("patch p{patch}").format(patch=patch))
