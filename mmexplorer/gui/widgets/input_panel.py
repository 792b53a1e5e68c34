"""The input side: the picture (drop, paste, open, samples), the text box and its word chips."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from mmexplorer.gui.state import AppState
from mmexplorer.gui.views.explain import match_explanation, prediction_text
from mmexplorer.gui.unknown_words import UnknownWordsNote
from mmexplorer.gui.widgets.gallery import SampleGallery
from mmexplorer.gui.widgets.paste_filter import PictureOnPaste
from mmexplorer.gui.widgets.token_chips import TokenChips

PREVIEW = 220


class InputPanel(QWidget):
    open_requested = Signal()
    paste_requested = Signal()

    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.state = state
        self.preview = QLabel(self.tr("Drop a picture here\n(or File › Open, Ctrl+V)"))
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(PREVIEW, 150)
        self.highlight_drop(False)
        self.preview.setToolTip(self.tr("Drop an image file or image data anywhere on the window"))
        self.source = QLabel()
        self.source.setWordWrap(True)
        self.source.setStyleSheet("color: #667;")
        open_button = QPushButton(self.tr("Open…"))
        open_button.setToolTip(self.tr("Open an image file (Ctrl+O)"))
        open_button.clicked.connect(self.open_requested)
        paste_button = QPushButton(self.tr("Paste"))
        paste_button.setToolTip(self.tr("Paste an image from the clipboard (Ctrl+V)"))
        paste_button.clicked.connect(self.paste_requested)
        self.gallery = SampleGallery()

        picture = QGroupBox(self.tr("Picture"))
        buttons = QHBoxLayout()
        buttons.addWidget(open_button)
        buttons.addWidget(paste_button)
        buttons.addStretch(1)
        pl = QVBoxLayout(picture)
        pl.addWidget(self.preview, 1)
        pl.addWidget(self.source)
        pl.addLayout(buttons)
        pl.addWidget(QLabel(self.tr("Samples:")))
        pl.addWidget(self.gallery)

        self.text = QLineEdit()
        self.text.setPlaceholderText(self.tr("Describe the picture, e.g. a red circle and a blue square"))
        self.text.setClearButtonEnabled(True)
        self.text.setToolTip(self.tr("The sentence the model reads; the probe reruns as you type"))
        self.text.textEdited.connect(lambda t: state.set_inputs(text=t))
        self._paste_filter = PictureOnPaste(self.paste_requested.emit, self)
        self.text.installEventFilter(self._paste_filter)
        self.chips = TokenChips(state)
        self.prediction = QLabel()
        self.prediction.setWordWrap(True)
        words = QGroupBox(self.tr("Text"))
        wl = QVBoxLayout(words)
        wl.addWidget(self.text)
        wl.addWidget(QLabel(self.tr("Words as the model sees them (click one):")))
        wl.addWidget(self.chips)
        wl.addWidget(self.prediction)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(picture, 3)
        layout.addWidget(words, 2)

        state.image_changed.connect(self._show_image)
        state.text_changed.connect(self._show_text)
        state.result_changed.connect(self._show_prediction)
        self.unknown_words = UnknownWordsNote(state, self)  # the banner when most words are [UNK]

    def highlight_drop(self, on: bool) -> None:
        """Show where a dragged picture will land."""
        colour, background = ("#e07b39", "#fff4ec") if on else ("#aab", "transparent")
        self.preview.setStyleSheet(
            f"QLabel {{ border: 2px dashed {colour}; border-radius: 6px; color: #667; background: {background}; }}"
        )

    def _show_image(self) -> None:
        image = self.state.image
        if image is None:
            return
        h, w, _ = image.pixels.shape
        qimage = QImage(image.pixels.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        pixmap = QPixmap.fromImage(qimage).scaled(PREVIEW, PREVIEW, Qt.AspectRatioMode.KeepAspectRatio,
                                                  Qt.TransformationMode.SmoothTransformation)
        self.preview.setPixmap(pixmap)
        notes = f" ({', '.join(image.notes)})" if image.notes else ""
        self.source.setText(self.tr("{name}: {width} × {height} px").format(name=_short(image.source), width=w, height=h) + notes)
        self.source.setToolTip(image.source)
        self.gallery.show_source(image.source)

    def _show_text(self) -> None:
        if self.text.text() != self.state.text:
            self.text.setText(self.state.text)
            self.text.setCursorPosition(0)  # show the start of a sentence set from outside

    def _show_prediction(self) -> None:
        record = self.state.record
        self.prediction.setText(self.tr("Model: {prediction}").format(prediction=prediction_text(record)) if record is not None else "")
        self.prediction.setToolTip(match_explanation(record) if record is not None else "")


def _short(source: str, limit: int = 40) -> str:
    """The file name of a path (the full path is in the tooltip)."""
    name = source.replace("\\", "/").rsplit("/", 1)[-1] or source
    return name if len(name) <= limit else name[: limit - 1] + "…"
