"""The words of the text as the model sees them, one chip each; click a chip to focus on that word."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QWidget

from mmexplorer.gui.state import AppState
from mmexplorer.gui.views.vocabulary import chip_vocabulary_hint
from mmexplorer.gui.widgets.flow_layout import FlowLayout

CHIP_STYLE = """
QPushButton { border: 1px solid #9aa; border-radius: 9px; padding: 2px 8px; background: #f4f6f8; }
QPushButton:checked { background: #e07b39; color: white; border-color: #b85e22; }
QPushButton[unk="true"] { border: 1px dashed #c33; color: #a22; background: #fff1f1; }
QPushButton[unk="true"]:checked { background: #c33; color: white; }
QLabel#truncated { color: #a22; font-style: italic; }
"""


class TokenChips(QWidget):
    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.state = state
        self.setStyleSheet(CHIP_STYLE)
        self.flow = FlowLayout(self)
        self.chips: list[QPushButton] = []
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        state.text_changed.connect(self.rebuild)
        state.result_changed.connect(self.rebuild)
        state.selection_changed.connect(self._check)

    def words(self) -> tuple[list[tuple[str, bool]], int, int]:
        """([(surface, is_unk)], words dropped by truncation, max words) as the current model sees the text."""
        encoding = self.state.encoding()
        if encoding is not None:
            max_len = self.state.tokenizer.max_len
            return [(t.surface, t.is_unk) for t in encoding.tokens], encoding.dropped, max_len
        record = self.state.record
        if record is not None:
            return list(zip(record.tokens, record.token_unk)), int(record.truncated), len(record.tokens)
        return [], 0, 0

    def rebuild(self) -> None:
        """Show the words as chips, reusing the chips already there: typing changes one word at a time,
        and making, styling and deleting a row of buttons per key is what a fast typist would feel."""
        words, dropped, max_len = self.words()
        hint = self._vocabulary_hint()
        if not words:
            waiting = self.state.tokenizer is None and self.state.text.strip()
            self._placeholder(self.tr("(the words appear once a model is loaded)") if waiting
                              else self.tr("(no words yet: type a sentence above)"))
        else:
            self._placeholder(None)
        while len(self.chips) > len(words):
            chip = self.chips.pop()
            self.flow.removeWidget(chip)
            chip.deleteLater()
        for index, (surface, unk) in enumerate(words):
            if index == len(self.chips):
                chip = QPushButton()
                chip.setCheckable(True)
                chip.clicked.connect(lambda _=False, i=index: self.state.select(token=i))
                self._insert(chip)
                self.chips.append(chip)
            chip = self.chips[index]
            text = f"[UNK] {surface}" if unk else surface
            if chip.text() != text:
                chip.setText(text)
            flag = "true" if unk else "false"
            if chip.property("unk") != flag:
                chip.setProperty("unk", flag)
                chip.style().unpolish(chip)  # the style sheet reads the property: re-apply it
                chip.style().polish(chip)
            tip = (self.tr("'{word}' is not in the model's vocabulary: the model sees [UNK]").format(word=surface) if unk
                   else self.tr("word {n}: click to see where it looks").format(n=index))
            chip.setToolTip(tip + ("\n\n" + hint if hint else ""))
        note = self.tr("… {n} more word(s) cut: the model reads at most {max}").format(n=dropped, max=max_len) if dropped else None
        self._truncation(note)
        self._check()

    _empty = None  # the placeholder label, when there are no words
    _cut = None  # the truncation note, when words were dropped

    def _insert(self, chip) -> None:
        """Add a chip after the others (before the truncation note)."""
        if self._cut is not None:
            self.flow.removeWidget(self._cut)
            self.flow.addWidget(chip)
            self.flow.addWidget(self._cut)
        else:
            self.flow.addWidget(chip)

    def _placeholder(self, text) -> None:
        if text is None:
            if self._empty is not None:
                self.flow.removeWidget(self._empty)
                self._empty.deleteLater()
                self._empty = None
            return
        if self._empty is None:
            self._empty = QLabel()
            self.flow.addWidget(self._empty)
        self._empty.setText(text)

    def _truncation(self, text) -> None:
        if text is None:
            if self._cut is not None:
                self.flow.removeWidget(self._cut)
                self._cut.deleteLater()
                self._cut = None
            return
        if self._cut is None:
            self._cut = QLabel()
            self._cut.setObjectName("truncated")
            self.flow.addWidget(self._cut)
        self._cut.setText(text)

    _hint_of = (None, "")  # (model info, its vocabulary hint): parsed once per model, not per keystroke

    def _vocabulary_hint(self) -> str:
        info = self.state.model_info
        if info is None:
            return ""
        if self._hint_of[0] is not info:
            self._hint_of = (info, chip_vocabulary_hint(info.config))
        return self._hint_of[1]

    def _check(self) -> None:
        for index, chip in enumerate(self.chips):
            chip.setChecked(index == self.state.token)
