"""Every hostile or unusual input gets a clear answer: the loader, the CLI (single and batch), fuzzing."""

import io
import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

import corpus
from mmexplorer.data.image import ImageError, decode_image, load_image


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return corpus.write(tmp_path_factory.mktemp("corpus"))


def test_loader_over_the_corpus(files):
    for name, path, expect in files:
        t0 = time.perf_counter()
        if expect == "ok":
            img = load_image(path)
            assert img.pixels.dtype == np.uint8 and img.pixels.ndim == 3 and img.pixels.shape[2] == 3, name
        else:
            with pytest.raises(ImageError) as info:
                load_image(path)
            assert expect in str(info.value), (name, str(info.value))
        assert time.perf_counter() - t0 < 30, f"{name} took too long"  # a hang guard, not a benchmark


def test_exif_orientation_shows_upright(files):
    path = next(p for n, p, _ in files if n == "jpeg exif rotated")
    assert load_image(path).size == (80, 120)  # orientation 8 rotates the 120x80 picture


def test_batch_probe_over_the_corpus_never_prints_a_traceback(files, home, tmp_path):
    pairs = tmp_path / "pairs.jsonl"
    texts = ["a red circle", "", "红色 🟥 \u202eright-to-left\u202c e\u0301 \u200b\x07", "red " * 25_000]
    with pairs.open("w") as f:
        for i, (name, path, _) in enumerate(files):
            f.write(json.dumps({"image": path, "text": texts[i % len(texts)]}) + "\n")
        f.write("this line is not json\n")
    env = dict(os.environ, MMEXPLORER_HOME=str(home))
    r = subprocess.run(
        [sys.executable, "-m", "mmexplorer", "probe", "--model", "tiny-early", "--pairs", str(pairs), "--out-dir", str(tmp_path / "out"), "--device", "cpu"],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert "Traceback" not in r.stderr, r.stderr
    assert r.returncode == 2 and r.stderr.strip().splitlines()[-1].startswith("error: ")
    from mmexplorer.engine.bulk.summary import read_rows

    rows = read_rows(tmp_path / "out" / "summary.csv")
    results = {int(res["line"]): res for res in rows}
    for i, (name, _, expect) in enumerate(files, start=1):
        assert (results[i]["status"] == "ok") == (expect == "ok"), (name, results[i])
        if expect != "ok":
            assert expect in results[i]["error"], (name, results[i]["error"])
    assert results[len(files) + 1]["status"] == "error"  # the malformed line is reported, not fatal
    assert any(res["status"] == "ok" and res["tokens"] == "24" for res in rows)  # the long text, truncated


@pytest.mark.parametrize("case", ["empty file", "decompression bomb", "folder", "svg"])
def test_single_probe_refusals_exit_2_with_one_line(files, home, tmp_path, case):
    path = next(p for n, p, _ in files if n == case)
    env = dict(os.environ, MMEXPLORER_HOME=str(home))
    out = tmp_path / "o.npz"
    r = subprocess.run([sys.executable, "-m", "mmexplorer", "probe", "--model", "tiny-early", "--image", path, "--text", "a", "--out", str(out)], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: ")
    assert not out.exists()


def test_pickle_checkpoint_is_refused_through_the_cli(home, files, tmp_path):
    target = tmp_path / "created-by-pickle.txt"
    evil = tmp_path / "evil.pt"
    corpus.write_code_running_pickle(evil, target)
    img = next(p for n, p, _ in files if n == "png")
    env = dict(os.environ, MMEXPLORER_HOME=str(home))
    commands = [
        ["probe", "--model", str(evil), "--image", img, "--text", "a", "--out", str(tmp_path / "o.npz")],
        ["export", "--model", str(evil), "--image", img, "--text", "a", "--view", "overlay", "--out", str(tmp_path / "f.png")],
        ["eval", "--model", str(evil), "--scenes", "2"],
    ]
    for args in commands:
        r = subprocess.run([sys.executable, "-m", "mmexplorer", *args], env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 2, (args[0], r.stderr)
        assert "Traceback" not in r.stderr and r.stderr.startswith("error: ")
        assert not target.exists(), f"{args[0]} ran code from a pickle"


def _real_images() -> list[bytes]:
    return [payload for name, _, payload, expect in corpus.cases() if expect == "ok" and payload and len(payload) < 200_000][:8]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzz_mutated_real_images(data):
    seeds = _real_images()
    raw = bytearray(data.draw(st.sampled_from(seeds)))
    for _ in range(data.draw(st.integers(1, 8))):
        op = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        pos = data.draw(st.integers(0, max(0, len(raw) - 1)))
        if op == "flip" and raw:
            raw[pos] ^= data.draw(st.integers(1, 255))
        elif op == "cut":
            del raw[pos : pos + data.draw(st.integers(1, 64))]
        else:
            raw[pos:pos] = data.draw(st.binary(min_size=1, max_size=16))
    try:
        img = decode_image(bytes(raw), "fuzzed")
    except ImageError as exc:
        assert str(exc)
    else:
        assert img.pixels.dtype == np.uint8 and img.pixels.shape[2] == 3


@settings(max_examples=60, deadline=None)
@given(
    w=st.integers(1, 64),
    h=st.integers(1, 64),
    mode=st.sampled_from(["RGB", "L", "RGBA", "P", "CMYK", "LA", "I;16", "1"]),
    fmt=st.sampled_from(["PNG", "TIFF", "BMP", "GIF", "JPEG", "WEBP"]),
)
def test_property_any_encodable_image_loads(w, h, mode, fmt):
    arr = np.random.default_rng(w * 100 + h).integers(0, 255, (h, w, 3), dtype=np.uint8)
    img = Image.fromarray(arr)
    img = img.convert("L").convert("I;16") if mode == "I;16" else img.convert(mode)
    buf = io.BytesIO()
    try:
        img.save(buf, fmt)
    except (OSError, ValueError, KeyError):
        return  # this format cannot store this mode; nothing to load
    out = decode_image(buf.getvalue())
    assert out.pixels.shape == (h, w, 3) and out.pixels.dtype == np.uint8
