"""A corpus of hostile and unusual inputs, built on the fly (nothing is downloaded).

Each case is (name, filename, bytes-or-None, expectation) where expectation is
"ok" or a fragment of the refusal message. A None payload means "make a folder".
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image


def _save(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _picture(w=120, h=80) -> Image.Image:
    yy, xx = np.mgrid[0:h, 0:w]
    arr = np.stack([xx * 255 // max(w - 1, 1), yy * 255 // max(h - 1, 1), (xx ^ yy) & 255], -1).astype(np.uint8)
    return Image.fromarray(arr)


def _png_header_only(w: int, h: int) -> bytes:
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IEND", b"")


def cases() -> list[tuple[str, str, bytes | None, str]]:
    pic = _picture()
    exif = Image.Exif()
    exif[0x0112] = 8
    frames = [_picture(40, 30), _picture(40, 30).transpose(Image.FLIP_LEFT_RIGHT)]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:])
    tiff_pages = io.BytesIO()
    frames[0].save(tiff_pages, "TIFF", save_all=True, append_images=frames[1:])
    rgba = pic.convert("RGBA")
    rgba.putalpha(128)
    png = _save(pic, "PNG")
    return [
        ("png", "photo.png", png, "ok"),
        ("jpeg exif rotated", "rotated.jpg", _save(pic, "JPEG", exif=exif.tobytes()), "ok"),
        ("cmyk jpeg", "cmyk.jpg", _save(pic.convert("CMYK"), "JPEG"), "ok"),
        ("16-bit png", "deep.png", _save(Image.fromarray((np.asarray(pic.convert("L")).astype(np.uint16) * 257)), "PNG"), "ok"),
        ("float tiff", "float.tif", _save(Image.fromarray(np.asarray(pic.convert("L")).astype(np.float32) / 255), "TIFF"), "ok"),
        ("palette png", "palette.png", _save(pic.convert("P"), "PNG"), "ok"),
        ("grayscale", "gray.png", _save(pic.convert("L"), "PNG"), "ok"),
        ("transparent png", "alpha.png", _save(rgba, "PNG"), "ok"),
        ("animated gif", "anim.gif", gif.getvalue(), "ok"),
        ("multi-page tiff", "pages.tif", tiff_pages.getvalue(), "ok"),
        ("webp", "photo.webp", _save(pic, "WEBP"), "ok"),
        ("bmp", "photo.bmp", _save(pic, "BMP"), "ok"),
        ("very wide", "wide.png", _save(_picture(2000, 3), "PNG"), "ok"),
        ("very tall", "tall.png", _save(_picture(3, 2000), "PNG"), "ok"),
        ("smaller than a patch", "tiny.png", _save(_picture(3, 2), "PNG"), "ok"),
        ("one pixel", "dot.png", _save(_picture(1, 1), "PNG"), "ok"),
        ("wrong extension", "really_png.jpg", png, "ok"),
        ("empty file", "empty.png", b"", "empty"),
        ("truncated png", "cut.png", png[: len(png) // 3], "damaged or truncated"),
        ("text file", "notes.png", b"hello, this is not a picture\n" * 10, "not an image"),
        ("random bytes", "noise.jpg", np.random.default_rng(1).bytes(4096), "not an image"),
        ("svg", "drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', "vector"),
        ("pdf", "doc.pdf", b"%PDF-1.4\n%%EOF\n", "vector"),
        ("decompression bomb", "bomb.png", _png_header_only(200_000, 200_000), "megapixels"),
        ("folder", "a_folder.png", None, "folder"),
    ]


def write(folder) -> list[tuple[str, str, str]]:
    """Materialise the corpus: -> [(name, path, expectation)]."""
    from pathlib import Path

    folder = Path(folder)
    out = []
    for name, filename, payload, expect in cases():
        path = folder / filename
        if payload is None:
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.write_bytes(payload)
        out.append((name, str(path), expect))
    return out


class _CreatesFile:
    """Unpickling this calls open(target, "w"): a stand-in for any code a pickle can run."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def write_code_running_pickle(path, target) -> None:
    """A `.pt`-looking checkpoint whose payload would create `target` if anything unpickled it."""
    import pickle

    with open(path, "wb") as f:
        pickle.dump({"config": "{}", "state_dict": _CreatesFile(str(target))}, f)
