import io

import numpy as np
import pytest
from PIL import Image

from mmexplorer.data.image import MAX_PIXELS, ImageError, decode_image, load_image


def _encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def test_rgb_png(photo):
    out = decode_image(_encode(Image.fromarray(photo), "PNG"))
    np.testing.assert_array_equal(out.pixels, photo)
    assert out.size == (140, 90)


def test_exif_orientation_is_applied(photo):
    img = Image.fromarray(photo)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW to display
    out = decode_image(_encode(img, "JPEG", exif=exif.tobytes()))
    assert out.pixels.shape == (140, 90, 3)


@pytest.mark.parametrize("mode", ["L", "P", "CMYK", "I;16", "F", "RGBA", "LA", "1"])
def test_modes_become_rgb(mode, photo):
    img = Image.fromarray(photo).convert("L" if mode in ("I;16", "F") else "RGB")
    img = img.convert(mode) if mode not in ("I;16", "F") else Image.fromarray((np.asarray(img).astype(np.float32) * (257 if mode == "I;16" else 1 / 255)).astype(np.uint16 if mode == "I;16" else np.float32))
    fmt = "TIFF" if mode in ("CMYK", "F", "I;16") else "PNG"
    out = decode_image(_encode(img, fmt))
    assert out.pixels.dtype == np.uint8 and out.pixels.shape == (90, 140, 3)


def test_transparency_composited_on_white():
    rgba = np.zeros((4, 4, 4), dtype=np.uint8)  # fully transparent black
    out = decode_image(_encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert (out.pixels == 255).all() and any("transparency" in n for n in out.notes)


def test_animated_gif_takes_first_frame():
    frames = [Image.new("RGB", (8, 8), c) for c in ((255, 0, 0), (0, 255, 0))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    out = decode_image(buf.getvalue())
    assert out.pixels[0, 0, 0] > 200 and out.pixels[0, 0, 1] < 50 and "first frame of 2" in out.notes


def test_refusals(tmp_path, photo):
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(ImageError, match="empty"):
        load_image(empty)
    with pytest.raises(ImageError, match="folder"):
        load_image(tmp_path)
    text = tmp_path / "notes.jpg"
    text.write_text("not an image at all")
    with pytest.raises(ImageError, match="not an image"):
        load_image(text)
    svg = tmp_path / "x.svg"
    svg.write_text("<svg/>")
    with pytest.raises(ImageError, match="vector"):
        load_image(svg)
    data = _encode(Image.fromarray(photo), "PNG")
    with pytest.raises(ImageError):
        decode_image(data[: len(data) // 2])


def test_decompression_bomb_refused_before_decoding():
    # A PNG header announcing 100k x 100k pixels with almost no data.
    import struct
    import zlib

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)) + chunk(b"IEND", b"")
    with pytest.raises(ImageError, match="megapixels"):
        decode_image(png)
    assert MAX_PIXELS < 100_000 * 100_000
