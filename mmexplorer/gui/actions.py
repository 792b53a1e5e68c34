"""What the user's input gestures do: open, paste, drop, pick a sample, open a checkpoint."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, QObject, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QInputDialog, QWidget

if TYPE_CHECKING:
    from mmexplorer.data.image import LoadedImage

from mmexplorer.gui.hub_download import HubDownload
from mmexplorer.gui.samples import SampleImage
from mmexplorer.gui.settings import Settings
from mmexplorer.gui.state import AppState

# Pictures (mmexplorer.data.image: numpy, PIL) are imported on first use: the window is on
# screen before numpy is imported.

IMAGE_FILTER = QT_TRANSLATE_NOOP("InputActions", "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff *.ppm);;All files (*)")
CHECKPOINT_FILTER = QT_TRANSLATE_NOOP("InputActions", "Checkpoints (*.safetensors *.pt *.pth);;All files (*)")


class InputActions(QObject):
    recent_changed = Signal(list)

    def __init__(self, state: AppState, settings: Settings, parent: QWidget) -> None:
        super().__init__(parent)
        self.state, self.settings, self.parent_widget = state, settings, parent
        self.ask_hub_model = self._ask_hub_model  # replaceable in tests (a modal dialog cannot be answered there)
        self.downloads = HubDownload(parent)
        self.downloads.finished.connect(self._downloaded)

    def set_image(self, image: LoadedImage, text: str | None = None) -> None:
        self.state.leave_saved(probe=False)  # a new picture: back to the live model, which probes it below
        changes = {"image": image}
        if text is not None:
            changes["text"] = text
        self.state.set_inputs(**changes)
        for note in image.notes:
            self.state.post_message(f"{image.source}: {note}", "info")

    def open_path(self, path: str) -> bool:
        from mmexplorer.data.image import ImageError, load_image

        try:
            image = load_image(path)
        except ImageError as exc:
            self.state.post_message(str(exc), "error")
            return False
        self.set_image(image)
        self.recent_changed.emit(self.settings.add_recent(str(Path(path).resolve())))
        return True

    def open_dialog(self) -> None:
        start = str(Path(self.settings.recent[0]).parent) if self.settings.recent else ""
        path, _ = QFileDialog.getOpenFileName(self.parent_widget, self.tr("Open a picture"), start, self.tr(IMAGE_FILTER))
        if path:
            self.open_path(path)

    def from_mime(self, mime, what: str = "dropped") -> bool:
        """A drop or the clipboard: load its image, or say why it is not one (never raises)."""
        from mmexplorer.data.image import ImageError
        from mmexplorer.gui.inputs import image_from_mime

        try:
            image = image_from_mime(mime, what)
        except ImageError as exc:
            self.state.post_message(str(exc), "error")
            return False
        self.set_image(image)
        if mime.hasUrls() and mime.urls() and mime.urls()[0].isLocalFile():
            self.recent_changed.emit(self.settings.add_recent(mime.urls()[0].toLocalFile()))
        return True

    def paste(self) -> bool:
        return self.from_mime(QGuiApplication.clipboard().mimeData(), "pasted")

    def pick_sample(self, sample: SampleImage) -> None:
        from mmexplorer.data.image import ImageError, load_image

        try:
            self.set_image(load_image(sample.path), sample.text)
        except ImageError as exc:
            self.state.post_message(str(exc), "error")

    def open_checkpoint(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.parent_widget, self.tr("Open a checkpoint"), "", self.tr(CHECKPOINT_FILTER))
        if path:
            self.state.set_inputs(model=path)

    def open_from_hub(self) -> None:
        """A Hugging Face model id or folder. A cached id or a folder opens at once (the worker explains anything
        it cannot open); an id that is not cached is downloaded first, with a progress dialog that can cancel,
        and offline says so in one message naming the command that fetches it."""
        name = (self.ask_hub_model() or "").strip()
        if not name:
            return
        from mmexplorer.hub import find_in_hf_cache, looks_like_repo_id  # no torch behind it

        if looks_like_repo_id(name) and find_in_hf_cache(name) is None:
            self.downloads.start(name)
        else:
            self.state.set_inputs(model=name)

    def _downloaded(self, repo_id: str, error: str, cancelled: bool) -> None:
        if error:
            self.state.post_message(error, "info" if cancelled else "error")
        else:
            self.state.set_inputs(model=repo_id)

    def _ask_hub_model(self) -> str | None:
        text, ok = QInputDialog.getText(
            self.parent_widget, self.tr("Open from Hugging Face"),
            self.tr("A Hugging Face model id, from your cache or downloaded into it (e.g. Salesforce/blip-itm-base-coco, "
                    "dandelin/vilt-b32-finetuned-coco, google/siglip-base-patch16-224) or a model folder:"))
        return text if ok else None

    def open_model_folder(self) -> None:
        """A Hugging Face model folder (CLIP, ViT); the worker explains anything it cannot open."""
        path = QFileDialog.getExistingDirectory(self.parent_widget, self.tr("Open a Hugging Face model folder"))
        if path:
            self.state.set_inputs(model=path)
