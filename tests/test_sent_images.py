"""Each picture crosses to the engine once; later calls name it, and the engine puts the same pixels back."""

import numpy as np
import pytest

from mmexplorer.data.image import LoadedImage
from mmexplorer.protocol import calls
from mmexplorer.protocol.sent_images import ImageKeeper, ImageSender, SentImage
from mmexplorer.protocol.wire import WireError, decode, encode


def _photo(seed: int) -> LoadedImage:
    return LoadedImage(np.random.default_rng(seed).integers(0, 255, (300, 400, 3), dtype=np.uint8), f"photo{seed}.jpg")


def _cross(sender: ImageSender, keeper: ImageKeeper, call):
    """One call through both sides and the wire, as the window and the engine do it; -> (call, frame bytes)."""
    frame = encode(sender.outgoing(call))
    return keeper.incoming(decode(frame)), len(frame)


def test_a_picture_crosses_once_and_every_later_call_gets_the_same_pixels():
    sender, keeper = ImageSender(), ImageKeeper()
    photo = _photo(0)
    first, first_bytes = _cross(sender, keeper, calls.Probe(1, "hybrid", "cpu", photo, "a red circle"))
    again, again_bytes = _cross(sender, keeper, calls.Probe(2, "hybrid", "cpu", photo, "a blue square", True))
    cell, _ = _cross(sender, keeper, calls.ExplainCell(3, "hybrid", "cpu", photo, "a blue square", "joint", 0, 1, 2, 3))
    assert first_bytes > photo.pixels.nbytes and again_bytes < 2_000  # the 360 kB picture was not sent again
    for call in (first, again, cell):
        assert isinstance(call.image, LoadedImage) and call.image.source == "photo0.jpg"
        np.testing.assert_array_equal(call.image.pixels, photo.pixels)
    assert (again.id, again.text, again.relevancy) == (2, "a blue square", True)  # the rest of the call is its own


def test_a_new_picture_is_sent_whole_and_then_named_in_its_turn():
    sender, keeper = ImageSender(), ImageKeeper()
    one, two = _photo(1), _photo(2)
    for photo in (one, two, two, one):  # back to the first: it is sent whole again (the engine keeps the last only)
        call, size = _cross(sender, keeper, calls.Probe(1, "hybrid", "cpu", photo, "a"))
        np.testing.assert_array_equal(call.image.pixels, photo.pixels)
    assert isinstance(sender.outgoing(calls.Probe(5, "hybrid", "cpu", one, "a")).image, SentImage)


def test_an_engine_that_never_had_the_picture_refuses_the_call_instead_of_guessing():
    sender, photo = ImageSender(), _photo(3)
    sender.outgoing(calls.Probe(1, "hybrid", "cpu", photo, "a"))  # went to an engine that has since been replaced
    named = decode(encode(sender.outgoing(calls.Probe(2, "hybrid", "cpu", photo, "a"))))
    with pytest.raises(WireError, match="picture 1"):
        ImageKeeper().incoming(named)


def test_calls_without_a_picture_pass_untouched():
    sender, keeper = ImageSender(), ImageKeeper()
    for call in (calls.ListModels(4), calls.Stop(), calls.CancelTrain(2)):
        assert keeper.incoming(decode(encode(sender.outgoing(call)))) == call
