"""The compare panel: each model's match score and its default map for one word, side by side.

Maps of different models are made comparable by showing, for each, the share
of its (positive) map mass on every patch, all on one colour scale.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mmexplorer.attention.levels import mass_share
from mmexplorer.data.image import LoadedImage
from mmexplorer.gui.compare.worker import CompareItem, CompareRequest, CompareRunner, EvalRow
from mmexplorer.gui.compare.words import Word, word_map, word_of_token, words_of
from mmexplorer.gui.i18n.terms import fusion_name, map_label
from mmexplorer.gui.pg import ColorBar, overlay_colormap, pg
from mmexplorer.gui.views.image_panel import ImagePanel
from mmexplorer.gui.views.zoom import link_group

EVAL_SCENES = 100  # held-out scenes (seed 1000), as in the README's table: the same numbers

EVAL_COLUMNS = (QT_TRANSLATE_NOOP("ComparePanel", "model"), QT_TRANSLATE_NOOP("ComparePanel", "map"),
                QT_TRANSLATE_NOOP("ComparePanel", "hard-negative accuracy"), QT_TRANSLATE_NOOP("ComparePanel", "colour hit"),
                QT_TRANSLATE_NOOP("ComparePanel", "colour other"), QT_TRANSLATE_NOOP("ComparePanel", "shape hit"),
                QT_TRANSLATE_NOOP("ComparePanel", "shape other"), QT_TRANSLATE_NOOP("ComparePanel", "energy"))


class ModelCell(QWidget):
    def __init__(self, name: str, parent=None) -> None:
        super().__init__(parent)
        self.name = name
        self.title = QLabel(f"<b>{name}</b>")
        self.score = QLabel("…")
        self.score.setWordWrap(True)
        # room for the score and a two-line map label from the start: answers must not resize the cells
        self.score.setFixedHeight(self.score.fontMetrics().lineSpacing() * 4 + 4)
        self.score.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.image = ImagePanel(colorbar=False)
        self.image.setMinimumSize(110, 110)  # five models side by side in a 1024-pixel window
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.title)
        layout.addWidget(self.image, 1)
        layout.addWidget(self.score)


class ComparePanel(QWidget):
    compared = Signal()  # every model of the current request has answered
    choose_models = Signal()  # the user asks to change which model stands for each strategy
    COLORMAP, OPACITY = "inferno", 0.65  # how every model's map is drawn here (and exported)

    def __init__(self, parent=None, runner: Optional[CompareRunner] = None) -> None:
        super().__init__(parent)
        self.runner = runner or CompareRunner(parent=self)
        self.runner.eval_scenes = EVAL_SCENES
        self.levels = (0.0, 1.0)  # of the maps drawn
        self.runner.worker.item_ready.connect(self._on_item)
        self.runner.worker.done.connect(self._on_done)
        self.runner.worker.eval_ready.connect(self._on_eval)
        self.models: tuple[tuple[str, str], ...] = ()
        self.scored: Optional[frozenset] = None  # names the evaluation table scores (None: every model)
        self.image: Optional[LoadedImage] = None
        self.text = ""
        self.device = "cpu"
        self._id = 0
        self.items: dict[str, CompareItem] = {}
        self.cells: dict[str, ModelCell] = {}

        self.run_button = QPushButton(self.tr("Compare all models"))
        self.run_button.setToolTip(self.tr("Run the current picture and sentence through each fusion strategy's current model "
                                           "(the models the fusion buttons switch between)"))
        self.run_button.clicked.connect(self.run)
        self.token = QComboBox()
        self.token.setToolTip(self.tr("The word whose map is shown for every model: each model shows its map of the "
                                      "same characters of the caption, however it splits them"))
        self.words: list[Word] = []  # the picker's entries, as the explorer's model reads the caption
        self.reference = None  # the explorer's record the words come from (None: the first model that answers)
        self.token.currentIndexChanged.connect(self._redraw)
        self.models_button = QPushButton(self.tr("Models per strategy…"))
        self.models_button.setToolTip(self.tr("Which model each strategy is compared with (bundled unless you picked another)"))
        self.models_button.clicked.connect(self.choose_models)
        self.eval_button = QPushButton(self.tr("Evaluation table"))
        self.eval_button.setToolTip(self.tr("Held-out shapes-world scenes: matching accuracy and pointing game (computed once, then cached)"))
        self.eval_button.clicked.connect(self.evaluate)
        self.note = QLabel(self.tr("Each map shows the share of that model's map mass per patch, on one colour scale."))
        self.note.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(self.run_button)
        bar.addWidget(QLabel(self.tr("word")))
        bar.addWidget(self.token)
        bar.addStretch(1)
        bar.addWidget(self.models_button)
        bar.addWidget(self.eval_button)
        self.grid = QGridLayout()
        # the one colour scale every map is drawn on
        self.scale = pg.GraphicsLayoutWidget()
        self.scale.setFixedWidth(96)
        self.colorbar = ColorBar(overlay_colormap(self.COLORMAP), label=self.tr("share of map mass"))
        self.scale.addItem(self.colorbar.item)
        maps = QWidget()
        maps_layout = QHBoxLayout(maps)
        maps_layout.setContentsMargins(0, 0, 0, 0)
        maps_layout.addLayout(self.grid, 1)
        maps_layout.addWidget(self.scale)
        self.table = QTableWidget(0, len(EVAL_COLUMNS))
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in EVAL_COLUMNS])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.eval_progress = QProgressBar()
        self.eval_progress.hide()
        self.eval_note = QLabel()
        self.eval_note.setWordWrap(True)
        self.eval_note.hide()
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.eval_progress)
        table_layout.addWidget(self.eval_note)
        table_layout.addWidget(self.table, 1)
        # maps above, table below; the divider moves, so every table row can be shown
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(maps)
        self.split.addWidget(table_box)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 1)
        table_box.hide()  # until an evaluation is asked for
        self.table_box = table_box
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.note)
        layout.addWidget(self.split, 1)

    # -- inputs ----------------------------------------------------------
    def set_models(self, models, scored=None) -> None:
        """(name, path) of every model to compare; `scored`: the names the evaluation table can score
        (the bundled strategies; None: all of them)."""
        self.models = tuple(tuple(m) for m in models)
        self.scored = None if scored is None else frozenset(scored)

    def set_input(self, image: LoadedImage, text: str, device: str = "cpu", token: int = 0, record=None) -> None:
        """`record`: the explorer's own record of this input; the word picker lists its words (as the chips
        show them) and `token` indexes its tokens."""
        self.image, self.text, self.device = image, text, device
        self.reference = record
        self._wanted_token = token

    def select_token(self, token: int) -> None:
        """Follow the word focused in the explorer (`token` indexes the explorer's record's tokens)."""
        self._wanted_token = token
        word = self._wanted_word()
        if word is not None and word in self.words:
            self.token.setCurrentIndex(self.words.index(word))

    def _wanted_word(self) -> Optional[Word]:
        ref = self.reference
        if ref is None:
            return None
        return word_of_token(ref, self.text, getattr(self, "_wanted_token", 0))

    def current_word(self) -> Optional[Word]:
        i = self.token.currentIndex()
        return self.words[i] if 0 <= i < len(self.words) else None

    def _fill_words(self, record) -> None:
        """The picker's words: the explorer's record's when it is of this caption, else `record`'s."""
        ref = self.reference if self.reference is not None and tuple(self.reference.tokens) else record
        self.words = words_of(ref, self.text)
        wanted = self._wanted_word()
        if wanted is None:  # the explorer's token, read in the answering record
            wanted = word_of_token(record, self.text, getattr(self, "_wanted_token", 0))
        self.token.blockSignals(True)
        self.token.clear()
        self.token.addItems([w.text for w in self.words])
        self.token.setCurrentIndex(self.words.index(wanted) if wanted in self.words else (0 if self.words else -1))
        self.token.blockSignals(False)

    def run(self) -> bool:
        if self.image is None or not self.models:
            self.note.setText(self.tr("Nothing to compare yet: open a picture and load at least one model."))
            return False
        self._id += 1
        self.items.clear()
        self.token.blockSignals(True)
        self.token.clear()  # refilled from the first answer: the text may have changed
        self.token.blockSignals(False)
        self.words = []
        self._build_cells()
        self.runner.submit(CompareRequest(self._id, self.models, self.image, self.text, self.device))
        return True

    def evaluate(self) -> None:
        """One row per model at once, filled as each evaluation arrives, with progress meanwhile."""
        self.table.setRowCount(0)
        self._eval_rows = {}
        for name, _ in self.models:
            r = self.table.rowCount()
            self.table.insertRow(r)
            self.table.setItem(r, 0, QTableWidgetItem(name))
            self.table.setItem(r, 1, QTableWidgetItem(self.tr("computing…")))
            self._eval_rows[name] = r
        self._eval_done = 0
        self.eval_progress.setRange(0, max(1, len(self.models)))
        self.eval_progress.setValue(0)
        self.eval_progress.setFormat(self.tr("evaluating %v of %m models"))
        self.eval_progress.setVisible(bool(self.models))
        self.eval_note.setText(self.tr("Each model on {n} held-out shapes-world scenes (seed 1000), the evaluation of the "
                                       "README's table; a model already evaluated comes from the cache.").format(n=EVAL_SCENES))
        self.eval_note.show()
        self.table_box.show()
        self._fit_table()
        scored = tuple(m for m in self.models if self.scored is None or m[0] in self.scored)
        for name, _ in self.models:  # a pretrained family never saw the shapes world: said, not computed
            if self.scored is not None and name not in self.scored:
                self._on_eval(EvalRow(name, None, self.tr("the shapes-world evaluation scores bundled strategies only")))
        if scored:
            self.runner.evaluate(scored)

    def _fit_table(self) -> None:
        """Give the table the height of all its rows (the splitter can still shrink it)."""
        header = self.table.horizontalHeader().height()
        rows = sum(self.table.rowHeight(r) for r in range(self.table.rowCount()))
        self.table.setMinimumHeight(min(header + rows + 2 * self.table.frameWidth() + 2, 400))

    # -- results ---------------------------------------------------------
    def _build_cells(self) -> None:
        while self.grid.count():
            w = self.grid.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self.cells = {}
        cols = max(1, min(5, len(self.models)))
        for i, (name, path) in enumerate(self.models):
            cell = ModelCell(name)
            cell.setToolTip(path)
            cell.image.set_picture(self.image.pixels)
            self.grid.addWidget(cell, i // cols, i % cols)
            self.cells[name] = cell
        link_group(cell.image.zoom for cell in self.cells.values())  # the same picture in every cell: zoom one, all follow

    def _on_item(self, item: CompareItem) -> None:
        if item.request_id != self._id:
            return  # an answer to an older input
        self.items[item.name] = item
        if item.record is not None and not self.words:
            self._fill_words(item.record)
        self._redraw()

    def _on_done(self, request_id: int) -> None:
        if request_id == self._id:
            self.compared.emit()

    def shared_maps(self) -> dict[str, np.ndarray]:
        """The mass-share map of the selected word for every model that answered (and has a token there)."""
        return {name: mass_share(found[0]) for name, found in self._word_maps().items()}

    def word_tokens(self) -> dict[str, tuple[str, ...]]:
        """For every model that answered, its tokens the selected word's map is made of."""
        return {name: tuple(self.items[name].record.tokens[t] for t in found[1]) for name, found in self._word_maps().items()}

    def word_token_indices(self) -> dict[str, tuple[int, ...]]:
        """For every model that answered and has the selected word, the indices of its tokens that make it up."""
        return {name: tuple(found[1]) for name, found in self._word_maps().items()}

    def _word_maps(self) -> dict:
        word = self.current_word()
        out = {}
        if word is None:
            return out
        for name, item in self.items.items():
            if item.record is not None:
                found = word_map(item.record, self.text, word)
                if found is not None:
                    out[name] = found
        return out

    def _redraw(self) -> None:
        maps = self.shared_maps()
        pieces = self.word_tokens()
        word = self.current_word()
        top = max((float(m.max()) for m in maps.values()), default=1.0) or 1.0
        self.levels = (0.0, top)  # the one colour scale every cell shows
        self.colorbar.show(overlay_colormap(self.COLORMAP), self.levels)
        for name, cell in self.cells.items():
            item = self.items.get(name)
            if item is None:
                continue
            if item.record is None:
                cell.score.setText(self.tr("failed: {error}").format(error=item.error))
                continue
            rec = item.record
            cell.image.set_map(maps.get(name), rec.grid, rec.image_box, self.levels, self.COLORMAP, self.OPACITY)
            out = rec.outputs
            score = (self.tr("match {p}").format(p=f"{out['match_prob']:.2f}") if "match_prob" in out
                     else self.tr("score {s}").format(s=f"{out.get('match_logit', float('nan')):.2f}"))
            read = self._read_as(word, pieces.get(name))
            cell.score.setText(f"{fusion_name(rec.fusion)} · {score}<br><small>{read}{map_label(rec.map_label)}</small>")
            cell.score.setToolTip(f"{fusion_name(rec.fusion)} · {score}\n{read}{map_label(rec.map_label)}")  # in full, if cut

    def _read_as(self, word: Optional[Word], tokens: Optional[tuple[str, ...]]) -> str:
        """How this model reads the picked word, when not as one token of the same text: said before its map label."""
        if word is None:
            return ""
        if not tokens:
            return self.tr("no token for “{word}” (the text was cut before it); ").format(word=word.text)
        if len(tokens) == 1 and tokens[0] == word.text:
            return ""
        return self.tr("“{word}” read as {tokens}; ").format(word=word.text, tokens=" + ".join(tokens))

    def _on_eval(self, row: EvalRow) -> None:
        rows = getattr(self, "_eval_rows", {})
        if row.name in rows:
            r = rows[row.name]
        else:
            r = self.table.rowCount()
            self.table.insertRow(r)
        self._eval_done = getattr(self, "_eval_done", 0) + 1
        self.eval_progress.setValue(self._eval_done)
        if self._eval_done >= self.eval_progress.maximum():
            self.eval_progress.hide()
        if row.report is None:
            values = [row.name, self.tr("error"), row.error or "", "", "", "", "", ""]
        else:
            rep = row.report
            p, e = rep.get("pointing", {}), rep.get("energy", {})

            def f(x, digits=3):  # as many digits as the README's table
                return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"

            values = [
                row.name,
                str(rep.get("map_kind", "")),
                f(rep.get("matching", {}).get("hard_accuracy", rep.get("hard_accuracy"))),
                f(p.get("colour", {}).get("hit")),
                f(p.get("colour", {}).get("other")),
                f(p.get("shape", {}).get("hit")),
                f(p.get("shape", {}).get("other")),
                f(np.nanmean([e.get("colour", math.nan), e.get("shape", math.nan)]) if e else None, 2),
            ]
        for c, v in enumerate(values):
            self.table.setItem(r, c, QTableWidgetItem(v))
        self._fit_table()

    def shutdown(self) -> bool:
        return self.runner.shutdown()
