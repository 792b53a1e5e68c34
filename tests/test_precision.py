"""Half precision is an option, never silent: `--dtype bfloat16|float16` probes report how far the maps moved
from float32 on the same input (record meta, stderr, --json), and a dtype the device cannot run is refused."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import tiny_model
from mmexplorer.attention.npz import load_record
from mmexplorer.attention.store import ResultsStore
from mmexplorer.cli import main
from mmexplorer.data.image import load_image
from mmexplorer.data.sample import make_sample
from mmexplorer.engine import precision
from mmexplorer.engine.model_api import BundledModel
from mmexplorer.engine.probe import probe
from mmexplorer.models.checkpoint import save_checkpoint


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    save_checkpoint(tiny_model("cross"), home / "models" / "tiny-cross.safetensors")
    rng = np.random.default_rng(4)
    for i, shape in enumerate([(50, 80, 3), (64, 64, 3)]):
        Image.fromarray(rng.integers(0, 255, shape, dtype=np.uint8)).save(home / f"img{i}.png")
    return home


def _sample(model, home, text="a red circle above a square"):
    return make_sample(load_image(home / "img0.png").pixels, text, model.tokenizer)


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_a_half_precision_probe_carries_its_measured_deviation(home, dtype):
    model = BundledModel(tiny_model("cross"))
    sample = _sample(model, home)
    half = precision.probe_at(model, sample, dtype)
    full = probe(model, sample)
    deviation = half.meta["precision"]["max_abs_map_deviation"]
    assert half.meta["precision"]["dtype"] == dtype
    assert deviation == pytest.approx(float(np.abs(half.token_to_image - full.token_to_image).max()), abs=1e-7)
    assert deviation > 0  # the matrix products really ran in half precision
    assert "precision" not in precision.probe_at(model, sample, "float32").meta  # float32: nothing to report


def test_the_cli_reports_the_deviation_on_stderr_json_and_in_the_npz(home, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MMEXPLORER_HOME", str(home))
    out = tmp_path / "half.npz"
    code = main(["probe", "--model", "tiny-cross", "--device", "cpu", "--image", str(home / "img0.png"),
                 "--text", "a red circle", "--out", str(out), "--dtype", "bfloat16", "--json"])
    printed, err = capsys.readouterr()
    assert code == 0
    summary = json.loads(printed)
    deviation = summary["precision"]["max_abs_map_deviation"]
    assert summary["precision"]["dtype"] == "bfloat16" and deviation > 0
    assert f"note: bfloat16: the maps deviate from float32 by at most {deviation:.3g}" in err
    assert load_record(out).meta["precision"]["max_abs_map_deviation"] == pytest.approx(deviation)


def test_a_batch_in_half_precision_keeps_each_pairs_deviation(home, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MMEXPLORER_HOME", str(home))
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"image": f"img{i % 2}.png", "text": t}) + "\n"
                             for i, t in enumerate(["a red circle", "a blue square above a green triangle", "red"])))
    pairs_home = home / "pairs.jsonl"
    pairs_home.write_text(pairs.read_text())
    code = main(["probe", "--model", "tiny-cross", "--device", "cpu", "--workers", "0", "--pairs", str(pairs_home),
                 "--out-dir", str(tmp_path / "out"), "--keep", "all", "--dtype", "float16", "--json"])
    printed, err = capsys.readouterr()
    assert code == 0, err
    counts = json.loads(printed)
    with ResultsStore(tmp_path / "out") as store:
        metas = [json.loads(str(store.arrays(i)["meta"])) for i in store.indices()]
    deviations = [m["precision"]["max_abs_map_deviation"] for m in metas]
    assert len(deviations) == 3 and all(m["precision"]["dtype"] == "float16" for m in metas)
    assert counts["max_map_deviation"] == pytest.approx(max(deviations)) and max(deviations) > 0
    assert "note: float16: the maps deviate from float32 by at most" in err


def test_a_dtype_the_device_cannot_run_is_refused_with_the_reason(home, monkeypatch, tmp_path, capsys):
    model = BundledModel(tiny_model("cross"))
    sample = _sample(model, home)

    def no_half(*args, **kwargs):
        raise RuntimeError('"addmm_impl_cpu_" not implemented for \'Half\'')

    monkeypatch.setattr(model, "capture", no_half)
    with pytest.raises(precision.PrecisionError, match="--dtype float16 is not supported by this model on cpu"):
        precision.probe_at(model, sample, "float16")
    monkeypatch.setattr(torch.amp, "is_autocast_available", lambda kind: False)
    monkeypatch.setenv("MMEXPLORER_HOME", str(home))
    code = main(["probe", "--model", "tiny-cross", "--device", "cpu", "--image", str(home / "img0.png"),
                 "--text", "red", "--out", str(tmp_path / "x.npz"), "--dtype", "bfloat16"])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: --dtype bfloat16: half precision is not "
                                                                  "available on cpu devices"), lines
