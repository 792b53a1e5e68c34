"""Turning drops, pastes and files into a validated image (or a clear refusal)."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QBuffer, QByteArray, QCoreApplication, QIODevice, QMimeData
from PySide6.QtGui import QImage

from mmexplorer.data.image import ImageError, LoadedImage, load_image

# Raw encoded image formats some applications put on the clipboard or in a drag.
IMAGE_MIME_TYPES = ("image/png", "image/jpeg", "image/bmp", "image/gif", "image/webp", "image/tiff")

# What is said about a drop and about a paste: whole sentences, since "was {what}" fragments do not translate.
SAID = {
    "nothing": (QT_TRANSLATE_NOOP("Inputs", "nothing was dropped"), QT_TRANSLATE_NOOP("Inputs", "nothing was pasted")),
    "remote": (QT_TRANSLATE_NOOP("Inputs", "only local image files can be dropped (got {url})"),
               QT_TRANSLATE_NOOP("Inputs", "only local image files can be pasted (got {url})")),
    "name": (QT_TRANSLATE_NOOP("Inputs", "dropped image"), QT_TRANSLATE_NOOP("Inputs", "pasted image")),
    "text": (QT_TRANSLATE_NOOP("Inputs", "text was dropped, not an image; type text in the text box"),
             QT_TRANSLATE_NOOP("Inputs", "text was pasted, not an image; type text in the text box")),
    "other": (QT_TRANSLATE_NOOP("Inputs", "what was dropped is not an image"),
              QT_TRANSLATE_NOOP("Inputs", "what was pasted is not an image")),
}


def _said(what: str, key: str) -> str:
    dropped, pasted = SAID[key]
    return QCoreApplication.translate("Inputs", pasted if what == "pasted" else dropped)


def image_from_mime(mime: QMimeData, what: str = "dropped") -> LoadedImage:
    """The first usable image in a drop or the clipboard; ImageError says why there is none."""
    if mime is None:
        raise ImageError(_said(what, "nothing"))
    if mime.hasUrls():
        urls = [u for u in mime.urls() if u.isValid()]
        local = [u for u in urls if u.isLocalFile()]
        if local:
            return load_image(local[0].toLocalFile())
        if urls:
            raise ImageError(_said(what, "remote").format(url=urls[0].toString()[:80]))
    for fmt in IMAGE_MIME_TYPES:
        if mime.hasFormat(fmt):
            data = bytes(mime.data(fmt).data())
            if data:
                return load_image(data, name=_said(what, "name"))
    if mime.hasImage():
        image = mime.imageData()
        if isinstance(image, QImage) and not image.isNull():
            return load_image(qimage_to_png(image), name=_said(what, "name"))
    if mime.hasText():
        raise ImageError(_said(what, "text"))
    raise ImageError(_said(what, "other"))


def qimage_to_png(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())
