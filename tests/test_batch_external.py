"""The batch probe on a pretrained (Hugging Face CLIP) folder: one probe per pair, the same arrays as the single probe."""

import json

import numpy as np

from test_external_models import clip_folder  # noqa: F401 (fixtures)
from mmexplorer.attention.npz import record_to_arrays
from mmexplorer.attention.store import ResultsStore
from mmexplorer.cli import main
from mmexplorer.data.image import load_image
from mmexplorer.data.sample import Sample
from mmexplorer.engine.bulk.summary import read_rows
from mmexplorer.engine.probe import load_model, probe


def test_clip_folder_through_the_batch_probe(clip_folder, hf_photo, tmp_path, capsys):  # noqa: F811
    texts = ["a photo of a cat", "dog", "a red square next to a blue circle"]
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"image": str(hf_photo), "text": t}) + "\n" for t in texts))
    code = main(["probe", "--model", str(clip_folder), "--pairs", str(pairs), "--out-dir", str(tmp_path / "out"),
                 "--device", "cpu", "--workers", "1", "--batch-size", "2", "--keep", "attention"])
    assert code == 0, capsys.readouterr().err
    assert [r["status"] for r in read_rows(tmp_path / "out" / "summary.csv")] == ["ok"] * 3
    model, _ = load_model(str(clip_folder), "cpu")
    with ResultsStore(tmp_path / "out") as store:
        for k, text in enumerate(texts):
            want = record_to_arrays(probe(model, Sample(load_image(hf_photo), model.tokenizer.encode(text))))
            got = store.arrays(k)
            assert sorted(got) == sorted(key for key in want if key in ("tokens", "grid", "token_to_image", "meta") or key.startswith("attn/"))
            for key in got:
                if key == "meta":
                    continue
                if want[key].dtype.kind == "f":
                    np.testing.assert_allclose(got[key], want[key], atol=1e-5, err_msg=key)
                else:
                    assert got[key].shape == want[key].shape and (got[key] == want[key]).all(), key
            assert json.loads(str(got["meta"]))["image_box"] == json.loads(str(want["meta"]))["image_box"]
