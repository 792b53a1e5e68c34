"""Each picture crosses to the engine once: later calls about the same picture name it instead of carrying it.

A photo from a camera is 36 MB of pixels (4000 x 3000 x 3), and the window asks
about the same picture again and again: a probe per caption edit, the gradients
when relevancy is picked, one weight explained per click. The window's side
(`ImageSender`, one per engine process) sends a picture whole the first time and
a `SentImage` naming it after that; the engine's side (`ImageKeeper`) keeps the
last whole picture and puts it back into the call. Both count the whole pictures
in the order they cross one pipe, so the count is the name and nothing else has
to be agreed. A fresh engine process gets a fresh pair (gui/engine_client.py).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Optional

from mmexplorer.data.image import LoadedImage
from mmexplorer.protocol.wire import WireError, message_type


@message_type
@dataclass(frozen=True)
class SentImage:
    """Stands in a call's `image` field for the whole picture sent as number `key` (1 = the first)."""

    key: int


def _image_of(call: Any) -> Any:
    return getattr(call, "image", None) if dataclasses.is_dataclass(call) else None


class ImageSender:
    """The window's side: replaces a picture this engine already has by its name."""

    def __init__(self) -> None:
        self._last: Optional[LoadedImage] = None  # kept alive, so `is` cannot match a new object at its address
        self._sent = 0

    def outgoing(self, call: Any) -> Any:
        image = _image_of(call)
        if not isinstance(image, LoadedImage):
            return call
        if image is self._last:
            return dataclasses.replace(call, image=SentImage(self._sent))
        self._last, self._sent = image, self._sent + 1
        return call


class ImageKeeper:
    """The engine's side: keeps the last whole picture and puts it back where a call names it."""

    def __init__(self) -> None:
        self._last: Optional[LoadedImage] = None
        self._received = 0

    def incoming(self, call: Any) -> Any:
        image = _image_of(call)
        if isinstance(image, LoadedImage):
            self._last, self._received = image, self._received + 1
        elif isinstance(image, SentImage):
            if self._last is None or image.key != self._received:
                raise WireError(f"the call names picture {image.key}, and the last picture this engine was sent "
                                f"is number {self._received}")
            return dataclasses.replace(call, image=self._last)
        return call
