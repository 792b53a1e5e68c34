"""Pairs with word boxes: pointing game and energy per pair in the summary, and COCO-style files converted to pairs."""

import json

import numpy as np
import pytest
from PIL import Image

from conftest import put_tiny_models
from mmexplorer.attention.store import ResultsStore
from mmexplorer.cli import main
from mmexplorer.engine.bulk.summary import read_rows


@pytest.fixture
def home(tmp_path, monkeypatch, tiny_checkpoint):
    """Each test's own home (the tests write COCO files and list its pictures), with the session's tiny-hybrid."""
    put_tiny_models(tmp_path, tiny_checkpoint, "hybrid")
    rng = np.random.default_rng(4)
    Image.fromarray(rng.integers(0, 255, (60, 100, 3), dtype=np.uint8)).save(tmp_path / "a.png")
    Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(tmp_path / "b.png")
    monkeypatch.setenv("MMEXPLORER_HOME", str(tmp_path))
    return tmp_path


def _coco(home):
    captions = {
        "images": [{"id": 1, "file_name": "a.png"}, {"id": 2, "file_name": "b.png"}],
        "annotations": [
            {"id": 10, "image_id": 1, "caption": "A red circle next to two Squares."},
            {"id": 11, "image_id": 2, "caption": "nothing named here"},
            {"id": 12, "image_id": 99, "caption": "an image that is not listed"},
        ],
    }
    instances = {
        "images": captions["images"],
        "categories": [{"id": 1, "name": "circle"}, {"id": 2, "name": "square"}, {"id": 3, "name": "traffic light"}],
        "annotations": [
            {"image_id": 1, "category_id": 1, "bbox": [10, 5, 20, 30]},
            {"image_id": 1, "category_id": 2, "bbox": [40, 0, 10, 10]},
            {"image_id": 1, "category_id": 2, "bbox": [50, 20, 30, 40]},
            {"image_id": 1, "category_id": 3, "bbox": [0, 0, 5, 5]},
            {"image_id": 2, "category_id": 1, "bbox": [0, 0, 5, 5]},
        ],
    }
    (home / "captions.json").write_text(json.dumps(captions))
    (home / "instances.json").write_text(json.dumps(instances))


def test_pairs_from_coco(home, capsys):
    _coco(home)
    out = home / "pairs.jsonl"
    args = ["pairs-from-coco", "--captions", str(home / "captions.json"), "--instances", str(home / "instances.json"),
            "--images", str(home), "--out", str(out)]
    assert main(args) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert records == [
        {"image": str(home / "a.png"), "text": "A red circle next to two Squares.",
         "boxes": [{"phrase": "circle", "box": [[10, 5, 30, 35]]}, {"phrase": "Squares", "box": [[40, 0, 50, 10], [50, 20, 80, 60]]}]},
        {"image": str(home / "b.png"), "text": "nothing named here"},
    ]
    capsys.readouterr()
    assert main(args) == 2 and "exists" in capsys.readouterr().err  # never overwritten without --force


def _inside(grid, size, regions):
    """Reference: patch (r, c) of the grid stretched over the whole image is inside when half its area is in a box."""
    rows, cols = grid
    w, h = size
    out = np.zeros(grid, bool)
    for r in range(rows):
        for c in range(cols):
            px0, px1, py0, py1 = c * w / cols, (c + 1) * w / cols, r * h / rows, (r + 1) * h / rows
            for x0, y0, x1, y1 in regions:
                ix = max(0.0, min(px1, x1) - max(px0, x0))
                iy = max(0.0, min(py1, y1) - max(py0, y0))
                out[r, c] |= ix * iy >= 0.5 * (px1 - px0) * (py1 - py0)
    return out


def test_pointing_and_energy_per_pair(home, capsys):
    boxes = [{"token": 1, "box": [0, 0, 50, 30]}, {"tokens": [1, 2], "box": [[50, 30, 100, 60], [0, 0, 25, 15]]},
             {"phrase": "Circle", "box": [25, 15, 75, 45]}]
    pairs = [{"image": "a.png", "text": "a red circle", "boxes": boxes}, {"image": "a.png", "text": "a blue square"},
             {"image": "a.png", "text": "a red circle", "boxes": [{"phrase": "zebra", "box": [0, 0, 5, 5]}]}]
    (home / "boxed.jsonl").write_text("".join(json.dumps(p) + "\n" for p in pairs))
    code = main(["probe", "--model", "tiny-hybrid", "--pairs", str(home / "boxed.jsonl"), "--out-dir", str(home / "out"),
                 "--device", "cpu", "--workers", "0"])
    assert code == 2  # the third pair names a word its text lacks
    rows = read_rows(home / "out" / "summary.csv")
    assert rows[2]["status"] == "error" and "zebra" in rows[2]["error"]
    assert rows[1]["status"] == "ok" and rows[1]["boxes"] == "0" and rows[1]["pointing"] == rows[1]["energy"] == ""
    with ResultsStore(home / "out") as store:
        maps = store.arrays(0)["token_to_image"].astype(np.float64)  # [3, rows, cols]
    grid = maps.shape[1:]
    hits, energies = [], []
    for m, regions in [(maps[1], [[0, 0, 50, 30]]), (maps[1] + maps[2], [[50, 30, 100, 60], [0, 0, 25, 15]]),
                       (maps[2], [[25, 15, 75, 45]])]:
        inside = _inside(grid, (100, 60), regions)
        hits.append(inside.flat[int(np.argmax(m))])
        pos = np.clip(m, 0, None)
        energies.append(pos[inside].sum() / pos.sum())
    assert rows[0]["status"] == "ok" and rows[0]["boxes"] == "3"
    assert float(rows[0]["pointing"]) == pytest.approx(np.mean(hits), abs=1e-6)
    assert float(rows[0]["energy"]) == pytest.approx(np.mean(energies), rel=1e-5)


def test_curves_columns_per_pair_equal_the_engines_curves(home, capsys):
    from mmexplorer.data.image import load_image
    from mmexplorer.data.sample import Sample
    from mmexplorer.engine.bulk.summary import AUC_COLUMNS
    from mmexplorer.engine.faithfulness import auc_columns, faithfulness
    from mmexplorer.engine.probe import load_model, probe

    assert AUC_COLUMNS == auc_columns()
    pairs = [{"image": "a.png", "text": "a red circle", "boxes": [{"phrase": "circle", "box": [25, 15, 75, 45]}]},
             {"image": "b.png", "text": "a blue square"}]
    (home / "curves.jsonl").write_text("".join(json.dumps(p) + "\n" for p in pairs))
    code = main(["probe", "--model", "tiny-hybrid", "--pairs", str(home / "curves.jsonl"), "--out-dir", str(home / "out"),
                 "--device", "cpu", "--workers", "0", "--curves", "4"])
    assert code == 0
    rows = read_rows(home / "out" / "summary.csv")
    model, _ = load_model("tiny-hybrid", "cpu")
    for index, (pair, tokens) in enumerate([(pairs[0], [2]), (pairs[1], None)]):
        sample = Sample(load_image(home / pair["image"]), model.tokenizer.encode(pair["text"]))
        aucs = faithfulness(model, sample, steps=4, tokens=tokens, seed=index, record=probe(model, sample))["auc"]
        for column in AUC_COLUMNS:
            assert float(rows[index][column]) == pytest.approx(aucs[column], abs=1e-5), column
        shares = json.loads(rows[index]["sink_share"])
        assert set(shares) == set(probe(model, sample).kinds) and all(0 <= v <= 1 for v in sum(shares.values(), []))
    # without --curves the AUC columns are empty, the sink shares are there
    code = main(["probe", "--model", "tiny-hybrid", "--pairs", str(home / "curves.jsonl"), "--out-dir", str(home / "plain"),
                 "--device", "cpu", "--workers", "0"])
    plain = read_rows(home / "plain" / "summary.csv")
    assert all(plain[0][c] == "" for c in AUC_COLUMNS) and plain[0]["sink_share"].startswith("{")
    assert main(["probe", "--model", "tiny-hybrid", "--pairs", str(home / "curves.jsonl"), "--out-dir",
                 str(home / "bad"), "--curves", "-1"]) == 2
