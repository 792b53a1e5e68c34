"""The public Python API: load, probe, Record (word maps, figures, save), open_record, open_results, explore."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import mmexplorer
from mmexplorer.config import RESOURCES

SAMPLE = RESOURCES / "samples" / "red-circle-blue-square.png"
TEXT = "a red circle above a blue square"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def model():
    return mmexplorer.load(device="cpu")  # the bundled default


@pytest.fixture(scope="module")
def record(model):
    return mmexplorer.probe(model, SAMPLE, TEXT)


def _python(code: str) -> str:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_import_is_cheap_and_reading_a_record_never_loads_torch(record, tmp_path):
    path = record.save(tmp_path / "r.npz")
    out = _python("import sys, mmexplorer; print('numpy' in sys.modules, 'torch' in sys.modules); "
                  f"r = mmexplorer.open_record({str(path)!r}); print(r.tokens[1], 'torch' in sys.modules)")
    assert out.splitlines() == ["False False", "red False"]


def test_every_public_name_resolves_and_nothing_else_does():
    assert sorted(mmexplorer.__all__) == ["Model", "Record", "Region", "Results", "explore", "load", "open_record",
                                          "open_results", "probe", "wrap"]
    for name in mmexplorer.__all__:
        assert getattr(mmexplorer, name).__doc__, name  # documented
    with pytest.raises(AttributeError):
        mmexplorer.capture  # noqa: B018  (engine functions are not public)


def test_load_names_the_model_and_refuses_an_unknown_one(model):
    assert model.fusion == model.name and model.path == model.name and not model.in_memory
    assert model.device == "cpu" and model.summary()["fusion"] == model.fusion and model.explanation
    with pytest.raises(ValueError, match="unknown model"):
        mmexplorer.load("no-such-model", device="cpu")


def test_record_holds_tokens_regions_and_attention_sets(record):
    assert record.tokens == tuple(TEXT.split()) and record.words == record.tokens and record.text == TEXT
    (region,) = record.regions
    assert region.grid == record.grid and region.box == (0.0, 0.0, 128.0, 128.0)
    assert record.image.shape == (128, 128, 3) and record.image_size == (128, 128)
    assert set(record.attention) == {"text", "image", "joint"} and record.gradients is not None
    for kind, layers in record.attention.items():
        assert len(layers) == record.layers(kind) and layers[0].shape[0] == record.heads
    assert "match_prob" in record.outputs and record.meta["model_path"] == record.model


def test_word_map_reads_the_words_row_of_the_cross_modal_attention(record):
    kind = record.cross_kind
    rows = record.attention_record.positions(kind, 0, "text")
    cols = record.attention_record.positions(kind, 1, "image")
    for layer in range(record.layers(kind)):
        weights = record.attention[kind][layer]  # [heads, queries, keys]
        expected = weights[1, rows[1]][cols].reshape(record.grid)
        np.testing.assert_allclose(record.word_map("red", layer=layer, head=1), expected, rtol=1e-6)
        np.testing.assert_allclose(record.word_map(1, layer=layer, head="max"),
                                   weights[:, rows[1]][:, cols].max(0).reshape(record.grid), rtol=1e-6)
    assert record.word_map("RED", method="rollout").shape == record.grid
    assert not np.allclose(record.word_map("red", method="relevancy"), record.word_map("square", method="relevancy"))
    with pytest.raises(ValueError, match="not in the text"):
        record.word_map("green")
    with pytest.raises(ValueError, match="method"):
        record.word_map("red", method="magic")
    with pytest.raises(ValueError, match="head 9"):
        record.word_map("red", head=9)


def test_a_path_a_pil_image_and_an_array_give_the_same_record(model):
    pixels = np.asarray(Image.open(SAMPLE).convert("RGB"))
    records = [mmexplorer.probe(model, image, TEXT, relevancy=False)
               for image in (str(SAMPLE), Image.open(SAMPLE), pixels, pixels.astype(np.float32) / 255)]
    for other in records[1:]:
        np.testing.assert_array_equal(other.token_to_image, records[0].token_to_image)
        np.testing.assert_array_equal(other.image, pixels)
    assert records[0].gradients is None
    with pytest.raises(ValueError, match="shape"):
        mmexplorer.probe(model, np.zeros((4, 4, 7), np.uint8), TEXT)
    with pytest.raises(TypeError):
        mmexplorer.probe("hybrid", SAMPLE, TEXT)


def _arrays(path) -> dict:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def test_saved_and_reopened_record_gives_identical_arrays(record, tmp_path):
    first = record.save(tmp_path / "a.npz")
    again = mmexplorer.open_record(first)
    assert again.source == str(first) and again.tokens == record.tokens and again.grid == record.grid
    np.testing.assert_array_equal(again.image, record.image)
    for kind, layers in record.attention.items():
        for a, b in zip(layers, again.attention[kind], strict=True):
            np.testing.assert_array_equal(a, b)
        for a, b in zip(record.gradients[kind], again.gradients[kind], strict=True):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(again.token_to_image, record.token_to_image)
    assert dict(again.outputs) == json.loads(json.dumps(dict(record.outputs)))
    second = again.save(tmp_path / "b.npz")
    a, b = _arrays(first), _arrays(second)
    assert sorted(a) == sorted(b) and "image" in a and "attn/joint/0" in a
    assert json.loads(str(a.pop("meta"))) == json.loads(str(b.pop("meta")))  # the same JSON (key order aside)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    # the probe npz contract's reader still reads it (the picture is an extra key)
    from mmexplorer.attention.npz import load_record

    np.testing.assert_array_equal(load_record(first).token_to_image, record.token_to_image)


def _png_pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))


@pytest.mark.parametrize("flags, settings", [
    (["--view", "overlay", "--token", "red", "--method", "rollout"], dict(view="overlay", token="red", method="rollout")),
    (["--view", "matrix", "--layer", "0", "--head", "1", "--colormap", "viridis"],
     dict(view="matrix", layer=0, head=1, colormap="viridis")),
])
def test_record_figure_draws_the_same_pixels_as_mmexplorer_export(record, tmp_path, flags, settings):
    from mmexplorer.cli import main
    from mmexplorer.export.save import figure_bytes

    out = tmp_path / "fig.png"
    assert main(["export", "--model", record.model, "--image", str(SAMPLE), "--text", TEXT, "--out", str(out),
                 "--dpi", "80", "--device", "cpu", *flags]) == 0
    ours = figure_bytes(record.figure(dpi=80, **settings), "png", 80)
    theirs = out.read_bytes()
    np.testing.assert_array_equal(_png_pixels(ours), _png_pixels(theirs))
    assert not np.array_equal(_png_pixels(ours), _png_pixels(figure_bytes(record.figure(dpi=80), "png", 80)))


def test_a_record_shows_itself_in_jupyter_as_a_png(record):
    data = record._repr_png_()
    assert data.startswith(b"\x89PNG") and _png_pixels(data).shape[0] > 100
    assert "hybrid" in repr(record)


def _write_npz(path: Path, **arrays) -> Path:
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    return path


def test_a_corrupt_or_hostile_npz_is_refused_with_a_clear_message(record, tmp_path):
    good = _arrays(record.save(tmp_path / "good.npz"))
    cases = {
        "pickled": (_write_npz(tmp_path / "pickle.npz", meta=np.array([{"x": 1}], dtype=object)), "Python objects"),
        "garbage": (tmp_path / "garbage.npz", "not an npz"),
        "truncated": (tmp_path / "truncated.npz", "not an npz"),
        "no meta": (_write_npz(tmp_path / "nometa.npz", **{k: v for k, v in good.items() if k != "meta"}), "malformed"),
        "bad meta": (_write_npz(tmp_path / "badmeta.npz", **{**good, "meta": np.array("{not json")}), "malformed"),
        "folder": (tmp_path, "is a folder"),
        "missing": (tmp_path / "missing.npz", "does not exist"),
    }
    (tmp_path / "garbage.npz").write_bytes(b"\x00not a zip at all" * 10)
    (tmp_path / "truncated.npz").write_bytes((tmp_path / "pickle.npz").read_bytes()[:40])
    for path, said in cases.values():
        with pytest.raises(ValueError, match=said):
            mmexplorer.open_record(path)
    # a picture of the wrong size is dropped, the record still opens
    odd = mmexplorer.open_record(_write_npz(tmp_path / "odd.npz", **{**good, "image": np.zeros((3, 3, 3), np.uint8)}))
    assert odd.image is None and odd.tokens == record.tokens


def test_a_declared_huge_member_is_refused_before_reading(tmp_path, monkeypatch):
    from mmexplorer.attention import npz

    path = tmp_path / "big.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("meta.npy", b"\x00" * 200_000)
    monkeypatch.setattr(npz, "MAX_UNPACKED_BYTES", 100_000)
    with pytest.raises(ValueError, match="would inflate"):
        mmexplorer.open_record(path)


@pytest.fixture(scope="module")
def results_folder(tmp_path_factory, model):
    """A `probe --pairs --keep all` run of three pairs, one of which fails (its picture is missing)."""
    from mmexplorer.cli import main

    folder = tmp_path_factory.mktemp("pairs")
    pairs = folder / "pairs.jsonl"
    lines = [{"image": str(SAMPLE), "text": TEXT}, {"image": str(folder / "gone.png"), "text": "a cat"},
             {"image": str(RESOURCES / "samples" / "blue-triangle.png"), "text": "a blue triangle"}]
    pairs.write_text("".join(json.dumps(line) + "\n" for line in lines))
    code = main(["probe", "--model", model.name, "--pairs", str(pairs), "--out-dir", str(folder / "out"), "--keep", "all",
                 "--workers", "0", "--device", "cpu", "--batch-size", "2"])
    assert code == 2  # one pair failed
    return folder / "out"


def test_open_results_reads_the_store_pair_by_pair(results_folder, record):
    with mmexplorer.open_results(results_folder) as results:
        assert len(results) == 2 and results.indices() == [0, 2] and 1 not in results
        assert [r.status for r in results.rows] == ["ok", "error", "ok"]
        (failed,) = results.failures
        assert failed.index == 1 and "gone.png" in failed.error
        assert results.row(0).score == pytest.approx(record.outputs["match_prob"], abs=1e-5)
        first = results[0]
        assert first.tokens == record.tokens and first.text == TEXT
        np.testing.assert_array_equal(first.image, record.image)  # read from where the run found it
        np.testing.assert_allclose(first.word_map("red", method="rollout"), record.word_map("red", method="rollout"), atol=1e-6)
        assert [r.text for r in results] == [TEXT, "a blue triangle"]
        with pytest.raises(KeyError):
            results[1]
        assert "2 stored pair(s), 1 failed" in repr(results)


def test_open_results_refuses_what_is_not_a_store(tmp_path):
    with pytest.raises(ValueError, match="no results store"):
        mmexplorer.open_results(tmp_path)
    (tmp_path / "store.rank0.h5").write_bytes(b"not hdf5 at all")
    with pytest.raises(ValueError, match="not a readable results store"):
        mmexplorer.open_results(tmp_path)


def test_explore_opens_the_explorer_on_results(results_folder):
    from mmexplorer.api.explore import explorer_command

    with mmexplorer.open_results(results_folder) as results:
        assert explorer_command(results)[4:] == ["--results", str(results_folder.resolve())]


def test_explore_opens_the_explorer_on_a_record_or_a_model(record, model, monkeypatch):
    from mmexplorer.api.explore import explorer_command

    launched = []

    class FakePopen:
        def __init__(self, command):
            launched.append(command)

    monkeypatch.setattr(subprocess, "Popen", FakePopen)
    mmexplorer.explore(record)
    (command,) = launched
    assert command[:4] == [sys.executable, "-m", "mmexplorer", "gui"] and command[4] == "--probe"
    np.testing.assert_array_equal(mmexplorer.open_record(command[5]).token_to_image, record.token_to_image)
    live = explorer_command(model, image=SAMPLE, text=TEXT)
    assert live[4:] == ["--model", model.name, "--device", "cpu", "--image", str(SAMPLE), "--text", TEXT]
    pictured = explorer_command(model, image=record.image)
    np.testing.assert_array_equal(np.asarray(Image.open(pictured[pictured.index("--image") + 1])), record.image)
    with pytest.raises(ValueError, match="already holds"):
        explorer_command(record, text="other")
    with pytest.raises(TypeError):
        explorer_command("hybrid")


@pytest.mark.parametrize("name", ["early", "late", "cross", "contrastive"])
def test_every_bundled_strategys_record_survives_the_round_trip(name, tmp_path):
    record = mmexplorer.probe(mmexplorer.load(name, device="cpu"), RESOURCES / "samples" / "wide-scene.png", TEXT,
                              relevancy=False)
    again = mmexplorer.open_record(record.save(tmp_path / "r.npz"))
    assert again.fusion == name and again.cross_kind == record.cross_kind
    np.testing.assert_array_equal(again.token_to_image, record.token_to_image)
    assert again._repr_png_()[:4] == b"\x89PNG"
