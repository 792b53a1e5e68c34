"""The command-line contract: models --json, probe npz, exit 2 with one `error:` line on bad input."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from conftest import tiny_model
from mmexplorer.models.checkpoint import save_checkpoint


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    save_checkpoint(tiny_model("cross"), home / "models" / "tiny-cross.safetensors")
    img = home / "photo.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (50, 80, 3), dtype=np.uint8)).save(img)
    import os

    e = dict(os.environ, MMEXPLORER_HOME=str(home))
    return home, img, e


def cli(env, *args):
    return subprocess.run([sys.executable, "-m", "mmexplorer", *args], env=env, capture_output=True, text=True, timeout=300)


def test_models_json_lists_user_models(env):
    home, _, e = env
    r = cli(e, "models", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    entry = next(m for m in data["models"] if m["name"] == "tiny-cross")
    assert entry == {"name": "tiny-cross", "fusion": "cross", "path": str(home / "models" / "tiny-cross.safetensors"), "source": "user"}
    assert data["default"] is not None


def test_probe_writes_the_contract_npz(env, tmp_path):
    _, img, e = env
    out = tmp_path / "p.npz"
    r = cli(e, "probe", "--model", "tiny-cross", "--image", str(img), "--text", "a red circle", "--out", str(out), "--json", "--device", "cpu")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["tokens"] == ["a", "red", "circle"]
    with np.load(out, allow_pickle=False) as z:
        assert z["token_to_image"].shape == (3, 4, 4)
        assert z["attn/text_to_image/0"].shape == (2, 4, 17)
        meta = json.loads(str(z["meta"]))
    assert meta["fusion"] == "cross" and meta["image_box"] == [0, 0, 80, 50] and meta["device"] == "cpu"
    assert "versions" in meta and "timings" in meta and "outputs" in meta


def test_probe_batch_form(env, tmp_path):
    _, img, e = env
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"image": str(img), "text": "a red circle"}) + "\n" + json.dumps({"image": str(img), "text": "two squares"}) + "\n")
    r = cli(e, "probe", "--model", "tiny-cross", "--pairs", str(pairs), "--out-dir", str(tmp_path / "out"), "--workers", "0")
    assert r.returncode == 0, r.stderr
    from mmexplorer.attention.store import ResultsStore
    from mmexplorer.engine.bulk.summary import read_rows

    rows = read_rows(tmp_path / "out" / "summary.csv")
    assert [(r["index"], r["status"], r["text"]) for r in rows] == [("0", "ok", "a red circle"), ("1", "ok", "two squares")]
    with ResultsStore(tmp_path / "out") as store:
        assert store.indices() == [0, 1]
        assert list(store.arrays(1)["tokens"]) == ["two", "squares"]


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["probe", "--model", "nope", "--image", "x.png", "--text", "t", "--out", "o.npz"], "unknown model"),
        (["probe", "--model", "tiny-cross", "--image", "/nonexistent.png", "--text", "t", "--out", "o.npz"], "does not exist"),
        (["probe", "--image", "x.png"], "needs --image, --text and --out"),
        (["frobnicate"], "invalid choice"),
        (["probe", "--model", "tiny-cross", "--image", "x.png", "--text", "t", "--out", "o.npz", "--device", "cuda:7"], "not available"),
    ],
)
def test_bad_input_exits_2_with_one_error_line(env, tmp_path, args, fragment):
    _, _, e = env
    r = subprocess.run([sys.executable, "-m", "mmexplorer", *args], env=e, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], r.stderr
    assert "Traceback" not in r.stderr


def test_not_an_image_is_refused(env, tmp_path):
    _, _, e = env
    fake = tmp_path / "fake.png"
    fake.write_text("hello")
    r = cli(e, "probe", "--model", "tiny-cross", "--image", str(fake), "--text", "t", "--out", str(tmp_path / "o.npz"))
    assert r.returncode == 2 and "not an image" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o.npz").exists()
