"""Turning drops, pastes and files into a validated image (or a clear refusal)."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMimeData
from PySide6.QtGui import QImage

from mmexplorer.data.image import ImageError, LoadedImage, load_image

# Raw encoded image formats some applications put on the clipboard or in a drag.
IMAGE_MIME_TYPES = ("image/png", "image/jpeg", "image/bmp", "image/gif", "image/webp", "image/tiff")


def image_from_mime(mime: QMimeData, what: str = "dropped") -> LoadedImage:
    """The first usable image in a drop or the clipboard; ImageError says why there is none."""
    if mime is None:
        raise ImageError(f"nothing was {what}")
    if mime.hasUrls():
        urls = [u for u in mime.urls() if u.isValid()]
        local = [u for u in urls if u.isLocalFile()]
        if local:
            return load_image(local[0].toLocalFile())
        if urls:
            raise ImageError(f"only local image files can be {what} (got {urls[0].toString()[:80]})")
    for fmt in IMAGE_MIME_TYPES:
        if mime.hasFormat(fmt):
            data = bytes(mime.data(fmt).data())
            if data:
                return load_image(data, name=f"{what} image")
    if mime.hasImage():
        image = mime.imageData()
        if isinstance(image, QImage) and not image.isNull():
            return load_image(qimage_to_png(image), name=f"{what} image")
    if mime.hasText():
        raise ImageError(f"text was {what}, not an image; type text in the text box")
    raise ImageError(f"what was {what} is not an image")


def qimage_to_png(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())
