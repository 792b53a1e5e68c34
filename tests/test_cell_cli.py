"""`mmexplorer cell`: the JSON contract, agreement with `mmexplorer probe`, and exit 2 on bad indices."""

import json
import math

import numpy as np
import pytest

from mmexplorer.cli import main

TEXT = "a red circle"


@pytest.fixture
def run(home, monkeypatch, capsys):
    monkeypatch.setenv("MMEXPLORER_HOME", str(home))

    def run(*args):
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _cell(run, home, *extra, kind="text_to_image", layer=1, head=1, query=2, key=6):
    return run("cell", "--model", "tiny-cross", "--image", str(home / "photo.png"), "--text", TEXT, "--kind", kind,
               "--layer", str(layer), "--head", str(head), "--query", str(query), "--key", str(key), *extra)


def test_cell_json_matches_the_probe_npz(run, home, tmp_path):
    code, _, err = run("probe", "--model", "tiny-cross", "--image", str(home / "photo.png"), "--text", TEXT,
                       "--out", str(tmp_path / "p.npz"), "--device", "cpu", "--no-relevancy")
    assert code == 0, err
    with np.load(tmp_path / "p.npz", allow_pickle=False) as z:
        weights = z["attn/text_to_image/1"]  # [heads, queries, keys]
    code, out, err = _cell(run, home, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["weight"] == pytest.approx(float(weights[1, 2, 6]), abs=1e-5)
    np.testing.assert_allclose(data["row_weights"], weights[1, 2], atol=1e-5)
    q, k = np.asarray(data["q"]), np.asarray(data["k"])
    assert data["d_k"] == len(q) == len(k) == 16
    assert data["score"] == pytest.approx(float(q @ k), abs=1e-5)
    assert data["scaled"] == pytest.approx(data["score"] / math.sqrt(data["d_k"]), abs=1e-6)
    np.testing.assert_allclose(data["contribution"], data["weight"] * np.asarray(data["v"]), atol=1e-7)
    assert data["mask"] == [True] * 17 and len(data["row_scaled"]) == 17
    assert (data["query"]["label"], data["query"]["modality"]) == ("red", "text")
    assert data["key"] == {"index": 6, "label": "p5", "modality": "image", "patch": 5, "row": 1, "col": 1}
    assert data["query_modalities"] == ["cls", "text"] and data["key_modalities"] == ["cls", "image"]
    assert data["position"]["share"] == pytest.approx(data["scaled"] - data["position"]["scaled_without"])
    assert len(data["output"]) == 16


def test_cell_text_output_names_the_steps(run, home):
    code, out, _ = _cell(run, home)
    assert code == 0
    assert "query 2 'red' [text]" in out and "key   6 'p5' [image] (patch 5, row 1, col 1)" in out
    assert "d_k = 16" in out and "softmax(Q Kᵀ / √d_k) V" in out


@pytest.mark.parametrize("change,message", [
    (dict(kind="joint"), "no 'joint' attention"),
    (dict(kind="text_to_image", layer=5), "layer 5 out of range"),
    (dict(head=2), "head 2 out of range 0..1"),
    (dict(query=4), "query 4 out of range 0..3"),
    (dict(key=17), "key 17 out of range 0..16"),
])
def test_bad_indices_exit_2_with_one_error_line(run, home, change, message):
    code, out, err = _cell(run, home, **change)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err


def test_cell_is_documented_in_help(capsys):
    for argv, expected in ((["--help"], "explain one attention weight"), (["cell", "--help"], "attn/<kind>/<layer>")):
        with pytest.raises(SystemExit):
            main(argv)
        assert expected in " ".join(capsys.readouterr().out.split())
