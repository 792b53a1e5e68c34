"""`mmexplorer probe` asks a generative model: the npz gains the answer's arrays; bad options exit 2."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("transformers")
pytest.importorskip("num2words")

from hf_tiny import write_photo  # noqa: E402
from hf_tiny_gen import build_smolvlm  # noqa: E402


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    folder = build_smolvlm(tmp_path_factory.mktemp("smolvlm"))
    photo = write_photo(home / "photo.png")
    return folder, photo, dict(os.environ, MMEXPLORER_HOME=str(home))


def cli(env, *args, cwd=None):
    return subprocess.run([sys.executable, "-m", "mmexplorer", *args], env=env, capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def test_probe_asks_and_writes_the_answer_arrays(env, tmp_path):
    folder, photo, e = env
    out = tmp_path / "ask.npz"
    r = cli(e, "probe", "--model", str(folder), "--image", str(photo), "--text", "what colour is the circle?",
            "--generate", "3", "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["prompt"].startswith("<|im_start|>User:<image>what colour")
    assert summary["regions"]["names"][-1] == "global"
    with np.load(out) as z:
        n = len(z["answer_tokens"])
        assert 1 <= n <= 3 and z["answer_ids"].shape == (n,)
        assert z["answer_to_image"].dtype == np.float32 and z["answer_to_image"].shape == (n, *z["grid"])
        assert z["answer_attn/0"].shape[:2] == (2, n) and "answer_attn/1" in z.files
        assert z["regions/boxes"].shape == (5, 4) and z["regions/spans"].shape == (5, 2)
        meta = json.loads(str(z["meta"]))
    assert meta["generation"]["forced"] is False and meta["chat_template"] is True
    assert meta["prompt_attention"]["layers"] == [0, 1]


def test_probe_forces_an_answer(env, tmp_path):
    folder, photo, e = env
    out = tmp_path / "forced.npz"
    r = cli(e, "probe", "--model", str(folder), "--image", str(photo), "--text", "what colour?", "--answer", "red",
            "--raw-prompt", "--answer-relevancy", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "answer 'red'" in r.stdout
    with np.load(out) as z:
        assert "".join(z["answer_tokens"].tolist()) == "red"
        assert z["answer_relevancy"].shape == z["answer_rollout"].shape == (3, len(z["prompt_ids"]) + 2)
        meta = json.loads(str(z["meta"]))
    assert meta["generation"]["forced"] is True and meta["prompt"] == "<image>what colour?"


@pytest.mark.parametrize("extra, fragment", [
    (["--generate", "0"], "from 1 to"),
    (["--generate", "2", "--answer", "red"], "not both"),
    (["--answer", " "], "some text"),
    (["--model", "early", "--generate", "2"], "does not generate answers"),
])
def test_bad_asking_options_exit_2_with_one_error_line(env, tmp_path, extra, fragment):
    folder, photo, e = env
    args = ["probe", "--model", str(folder), "--image", str(photo), "--text", "q", "--out", str(tmp_path / "o.npz")]
    r = cli(e, *args, *extra)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], r.stderr
    assert not (tmp_path / "o.npz").exists()


def test_pairs_write_each_answer_into_the_summary(env, tmp_path):
    import csv

    folder, photo, e = env
    pairs = tmp_path / "pairs.jsonl"
    questions = ["what colour is the circle?", "is there a square?"]
    pairs.write_text("".join(json.dumps({"image": str(photo), "text": q}) + "\n" for q in questions))
    r = cli(e, "probe", "--model", str(folder), "--pairs", str(pairs), "--out-dir", str(tmp_path / "run"),
            "--workers", "0", "--no-relevancy")
    assert r.returncode == 0, r.stderr
    with open(tmp_path / "run" / "summary.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row, question in zip(rows, questions):  # each as `probe --image --text` answers it
        single = cli(e, "probe", "--model", str(folder), "--image", str(photo), "--text", question,
                     "--out", str(tmp_path / f"{row['index']}.npz"), "--json")
        assert row["status"] == "ok" and row["answer"] == json.loads(single.stdout)["outputs"]["answer"]


def test_a_summary_written_before_the_answer_column_still_resumes(tmp_path):
    from mmexplorer.engine.bulk.summary import read_rows

    old = tmp_path / "summary.rank0.csv"
    old.write_text("index,line,image,text,status,error,match,match_logit,tokens,boxes,pointing,energy\n"
                   "0,1,a.png,a cat,ok,,0.5,0.1,2,0,,\n")
    rows = read_rows(old)
    assert len(rows) == 1 and rows[0]["index"] == "0" and rows[0].get("answer") is None


@pytest.mark.parametrize("view", ["matrix", "heads"])
def test_export_of_a_view_a_generative_record_cannot_draw_exits_2(env, tmp_path, view):
    folder, photo, e = env
    r = cli(e, "export", "--model", str(folder), "--image", str(photo), "--text", "what colour?", "--view", view,
            "--out", str(tmp_path / "f.png"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "no attention sets" in lines[0], r.stderr


def test_export_overlay_of_a_generative_record_draws_the_question_words_map(env, tmp_path):
    folder, photo, e = env
    r = cli(e, "export", "--model", str(folder), "--image", str(photo), "--text", "what colour?",
            "--out", str(tmp_path / "f.png"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "f.png").stat().st_size > 0
