"""Messages between the window and the engine process: exact round trips, and nothing unpickled."""

import io
import json
import multiprocessing

import numpy as np
import pytest

from mmexplorer.data.image import LoadedImage
from mmexplorer.protocol import calls
from mmexplorer.protocol.wire import WireError, decode, encode

from conftest import tiny_model


@pytest.fixture(scope="module")
def record():
    from mmexplorer.data.sample import make_sample
    from mmexplorer.engine.probe import probe

    from mmexplorer.engine.model_api import BundledModel

    model = BundledModel(tiny_model("hybrid"))
    pixels = np.random.default_rng(0).integers(0, 255, (40, 70, 3), dtype=np.uint8)
    return probe(model, make_sample(pixels, "a red circle", model.tokenizer), relevancy=True)


def test_a_probe_reply_carries_the_record_exactly(record):
    back = decode(encode(calls.Probed(7, record, 0.25, "cpu")))
    assert isinstance(back, calls.Probed) and (back.id, back.seconds, back.device) == (7, 0.25, "cpu")
    r = back.record
    assert (r.tokens, r.grid, r.cross_kind, r.order, r.image_box) == (record.tokens, record.grid, record.cross_kind,
                                                                       record.order, record.image_box)
    assert set(r.attention) == set(record.attention) and set(r.grads) == set(record.grads)
    for kind, layers in record.attention.items():
        for a, b in zip(layers, r.attention[kind]):
            np.testing.assert_array_equal(a, b)
        for a, b in zip(record.grads[kind], r.grads[kind]):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(r.token_to_image, record.token_to_image)
    assert r.outputs["branches"]["contributions"] == pytest.approx(record.outputs["branches"]["contributions"])


def test_a_call_keeps_the_picture_and_the_text():
    pixels = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3)
    call = calls.Probe(3, "test-early", "auto", LoadedImage(pixels, "pic.png", ("first frame",)), "a «red» circle", True, "{}")
    back = decode(encode(call))
    assert back.image.source == "pic.png" and back.image.notes == ("first frame",)
    np.testing.assert_array_equal(back.image.pixels, pixels)
    assert back.image.pixels.dtype == np.uint8
    assert (back.id, back.model, back.device, back.text, back.relevancy) == (3, "test-early", "auto", "a «red» circle", True)


def _frame(header: dict, payload: bytes = b"") -> bytes:
    """A frame written by hand, as a hostile or broken peer could (protocol/wire.py's layout)."""
    from mmexplorer.protocol.wire import _PREAMBLE, MAGIC, VERSION, _aligned

    text = json.dumps(header).encode()
    head = _PREAMBLE.pack(MAGIC, VERSION, len(text)) + text
    return head + b"\0" * (_aligned(len(head)) - len(head)) + payload


def test_a_pickle_inside_a_message_is_refused():
    import pickle

    payload = pickle.dumps([object()])
    with pytest.raises(WireError, match="plain arrays"):
        decode(_frame({"message": {"__nd__": 0}, "arrays": [["|O", [1], 0]]}, payload))


def test_only_listed_types_are_built():
    with pytest.raises(WireError, match="not an engine message"):
        decode(_frame({"message": {"__dc__": "Popen", "fields": {"args": "ls"}}, "arrays": []}))


def test_an_array_past_the_end_or_another_format_is_refused():
    with pytest.raises(WireError, match="past the end"):
        decode(_frame({"message": {"__nd__": 0}, "arrays": [["<f4", [1000], 0]]}, b"\0" * 16))
    buf = io.BytesIO()
    np.savez(buf, a=np.zeros(3))
    with pytest.raises(WireError):
        decode(buf.getvalue())  # the npz this format replaced
    with pytest.raises(WireError):
        decode(b"MMXW")


def test_arrays_arrive_read_only_and_exact():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)[:, ::2]  # not contiguous
    back = decode(encode(calls.Failed(1, "probe", "x"))), decode(encode(LoadedImage(a.astype(np.uint8), "p")))
    image = back[1]
    np.testing.assert_array_equal(image.pixels, a.astype(np.uint8))
    assert not image.pixels.flags.writeable  # an immutable result cannot be changed by a view by mistake


def test_the_engine_loop_answers_over_a_pipe(tmp_path, monkeypatch):
    """The service loop in a thread of this process, on the engine's real pipes."""
    import threading

    from mmexplorer.protocol.pipes import pipe_pair
    from mmexplorer.engine.service import serve

    ours, theirs = pipe_pair(multiprocessing.get_context("spawn"))
    loop = threading.Thread(target=serve, args=(theirs,))
    loop.start()
    ours.send_bytes(encode(calls.Probe(1, "no-such-model", "cpu", LoadedImage(np.zeros((8, 8, 3), np.uint8), "x"), "a")))
    replies = [decode(ours.recv_bytes()), decode(ours.recv_bytes())]
    ours.send_bytes(encode(calls.Stop()))
    loop.join(30)
    assert not loop.is_alive()
    assert isinstance(replies[0], calls.Started) and replies[0].id == 1
    assert isinstance(replies[1], calls.Failed) and replies[1].channel == "probe"
    assert "unknown model 'no-such-model'" in replies[1].message


def test_empty_and_zero_dimensional_arrays_keep_their_shapes():
    """An empty array last in the frame lies past the last byte written: the frame still ends after it."""
    sent = {"values": np.arange(10, dtype=np.int64), "scalar": np.array(2.5), "empty": np.zeros((0, 4), np.float32)}
    back = decode(encode(sent))
    assert {k: (v.shape, v.dtype) for k, v in back.items()} == {k: (v.shape, v.dtype) for k, v in sent.items()}
    np.testing.assert_array_equal(back["values"], sent["values"])
    assert float(back["scalar"]) == 2.5


def test_the_pipe_pair_carries_calls_one_way_and_replies_the_other():
    import threading

    from mmexplorer.protocol.pipes import pipe_pair

    window, engine = pipe_pair(multiprocessing.get_context("spawn"))
    big = LoadedImage(np.random.default_rng(0).integers(0, 255, (900, 1200, 3), dtype=np.uint8), "big")  # 3 MB
    echo = threading.Thread(target=lambda: engine.send_bytes(engine.recv_bytes()))
    echo.start()
    window.send_bytes(encode(big))
    back = decode(window.recv_bytes())
    echo.join(30)
    np.testing.assert_array_equal(back.pixels, big.pixels)
    assert not window.poll(0) and not engine.poll(0)  # nothing left over on either pipe
    window.close()
    engine.close()


def test_a_frame_written_in_parts_arrives_whole_and_read_only():
    """send_parts/recv_frame: more buffers than one writev takes, more bytes than the pipe holds, any framing mix."""
    import threading

    from mmexplorer.protocol.pipes import _IOV_MAX, pipe_pair
    from mmexplorer.protocol.wire import frame_parts

    window, engine = pipe_pair(multiprocessing.get_context("spawn"))
    rng = np.random.default_rng(1)
    many = {f"a{i}": rng.integers(0, 255, (i % 7 + 1, 3), dtype=np.uint8) for i in range(_IOV_MAX)}  # > _IOV_MAX parts
    big = {"pixels": rng.integers(0, 255, (1500, 1000, 3), dtype=np.uint8)}  # 4.5 MB: the pipe holds at most 1 MiB
    assert len(frame_parts(many)) > _IOV_MAX

    def echo() -> None:
        engine.send_parts(frame_parts(decode(engine.recv_frame())))  # framed by parts, read into one buffer
        engine.send_bytes(engine.recv_bytes())  # a Connection's own framing reads the same frames

    thread = threading.Thread(target=echo)
    thread.start()
    for sent in (many, big):
        window.send_parts(frame_parts(sent))
        back = decode(window.recv_frame())
        assert set(back) == set(sent)
        for name, array in sent.items():
            np.testing.assert_array_equal(back[name], array)
            assert not back[name].flags.writeable  # read into a bytearray, still immutable
    thread.join(30)
    assert not window.poll(0) and not engine.poll(0)
    window.close()
    engine.close()
