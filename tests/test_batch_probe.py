"""`mmexplorer probe --pairs`: streamed, batched, validated, resumable; its store equals the single probe."""

import json
import os

import numpy as np
import pytest

from conftest import tiny_model
from mmexplorer.attention.capture import capture
from mmexplorer.attention.npz import record_to_arrays
from mmexplorer.attention.store import ResultsStore, StoreWriter
from mmexplorer.cli import main
from mmexplorer.data.image import load_image
from mmexplorer.data.sample import make_sample
from mmexplorer.engine.bulk.summary import read_rows

TEXTS = ["a red circle", "a blue square above a green triangle", "red", ""]


@pytest.fixture
def run(home, monkeypatch, capsys):
    monkeypatch.setenv("MMEXPLORER_HOME", str(home))

    def call(*args):
        code = main(["probe", "--device", "cpu", "--workers", "0", *map(str, args)])
        out, err = capsys.readouterr()
        return code, out, err

    return call


def _good_pairs(home, n=10):
    return [{"image": f"img{i % 3}.png", "text": TEXTS[i % len(TEXTS)]} for i in range(n)]


def _write_jsonl(path, items):
    path.write_text("".join((json.dumps(x) if not isinstance(x, str) else x) + "\n" for x in items))
    return path


def _reference(home, model_name, pair):
    from mmexplorer.models.checkpoint import load_checkpoint

    model = load_checkpoint(home / "models" / f"{model_name}.safetensors", "cpu")
    sample = make_sample(load_image(home / pair["image"]).pixels, pair["text"], model.tokenizer)
    return record_to_arrays(capture(model, sample, relevancy=True))


def _assert_same(got, want, keys):
    for key in keys:
        if key == "meta":
            continue
        assert got[key].shape == want[key].shape, key
        if want[key].dtype.kind == "f":
            np.testing.assert_allclose(got[key], want[key], atol=1e-5, rtol=1e-4, err_msg=key)
        else:
            assert (got[key] == want[key]).all(), key


@pytest.mark.parametrize("model_name", ["tiny-hybrid", "tiny-late"])
def test_store_equals_the_single_probe_for_every_pair(home, run, tmp_path, model_name):
    pairs = _good_pairs(home, 7)
    path = _write_jsonl(home / f"pairs-{model_name}.jsonl", pairs)
    code, _, err = run("--model", model_name, "--pairs", path, "--out-dir", tmp_path / "out", "--batch-size", 3, "--keep", "all")
    assert code == 0, err
    rows = read_rows(tmp_path / "out" / "summary.csv")
    assert [int(r["index"]) for r in rows] == list(range(7)) and all(r["status"] == "ok" for r in rows)
    with ResultsStore(tmp_path / "out") as store:
        assert store.indices() == list(range(7))
        for k, pair in enumerate(pairs):
            want = _reference(home, model_name, pair)
            got = store.arrays(k)
            assert sorted(got) == sorted(want)
            _assert_same(got, want, want)
            assert json.loads(str(got["meta"]))["text"] == pair["text"]
            assert float(rows[k]["match_logit"]) == pytest.approx(json.loads(str(want["meta"]))["outputs"]["match_logit"], abs=1e-4)


def test_keep_maps_stores_only_the_maps(home, run, tmp_path):
    path = _write_jsonl(tmp_path / "pairs.jsonl", [{"image": str(home / "img0.png"), "text": "a red circle"}])
    assert run("--model", "tiny-hybrid", "--pairs", path, "--out-dir", tmp_path / "out")[0] == 0
    with ResultsStore(tmp_path / "out") as store:
        got = store.arrays(0)
    assert sorted(got) == ["grid", "meta", "token_to_image", "tokens"]
    _assert_same(got, _reference(home, "tiny-hybrid", {"image": "img0.png", "text": "a red circle"}), got)


def test_csv_input(home, run, tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text(f'image,text\n{home / "img1.png"},"a red circle, left of a zebra"\n{home / "img2.png"}\n')
    code, _, err = run("--model", "tiny-hybrid", "--pairs", path, "--out-dir", tmp_path / "out")
    assert code == 2 and err.strip().splitlines()[-1].startswith("error: 1 of 2")
    rows = read_rows(tmp_path / "out" / "summary.csv")
    assert rows[0]["status"] == "ok" and rows[0]["text"] == "a red circle, left of a zebra"
    assert rows[0]["tokens"] == str(len(tiny_model("hybrid").tokenizer.encode("a red circle, left of a zebra").tokens))
    assert rows[0]["unknown"] == "zebra"  # the words read as [UNK] have a column of their own
    assert rows[1]["status"] == "error" and "fields" in rows[1]["error"]


def test_the_summary_is_csv_unless_parquet_is_asked_for(home, run, tmp_path):
    path = _write_jsonl(tmp_path / "pairs.jsonl", [{**p, "image": str(home / p["image"])} for p in _good_pairs(home, 3)])
    code, _, err = run("--model", "tiny-late", "--pairs", path, "--out-dir", tmp_path / "csv")
    assert code == 0, err
    assert (tmp_path / "csv" / "summary.csv").exists() and not (tmp_path / "csv" / "summary.parquet").exists()
    code, _, err = run("--model", "tiny-late", "--pairs", path, "--out-dir", tmp_path / "pq", "--parquet")
    try:
        import pyarrow.parquet as pq
    except ImportError:  # refused before anything runs or is written
        assert code == 2 and err.strip().splitlines() == [err.strip()] and "--parquet needs pyarrow" in err, err
        assert not (tmp_path / "pq").exists()
    else:
        assert code == 0, err
        table = pq.read_table(tmp_path / "pq" / "summary.parquet").to_pydict()
        rows = read_rows(tmp_path / "pq" / "summary.csv")
        assert table["index"] == [int(r["index"]) for r in rows] == [0, 1, 2]
        assert table["status"] == ["ok"] * 3 and table["match"] == pytest.approx([float(r["match"]) for r in rows], rel=1e-5)


def test_parquet_without_pyarrow_is_refused_in_one_line(home, run, tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pyarrow", None)  # `import pyarrow` raises ImportError
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    path = _write_jsonl(tmp_path / "pairs.jsonl", _good_pairs(home, 2))
    code, out, err = run("--model", "tiny-late", "--pairs", path, "--out-dir", tmp_path / "out", "--parquet")
    assert code == 2 and out == ""
    assert err.strip() == "error: --parquet needs pyarrow, which is not installed (pip install pyarrow); without --parquet the summary is summary.csv"
    assert not (tmp_path / "out").exists()


def test_a_merge_without_parquet_removes_an_older_parquet_summary(tmp_path):
    from mmexplorer.engine.bulk import summary

    summary.SummaryPart(tmp_path / summary.part_name(0)).append(
        [{"index": 0, "line": 1, "image": "a.png", "text": "red", "status": "ok", "error": "", "match": 0.5}])
    (tmp_path / "summary.parquet").write_bytes(b"an earlier run's")
    path, rows = summary.merge(tmp_path)
    assert [r["index"] for r in rows] == ["0"] and path.exists()
    assert not (tmp_path / "summary.parquet").exists()  # never two summaries that disagree


def test_every_bad_line_is_an_error_row_and_the_run_goes_on(home, run, tmp_path):
    items = [
        {"image": "img0.png", "text": "a red circle"},
        "this is not json",
        {"image": "img0.png", "text": None},
        {"image": "img0.png", "text": 5},
        {"text": "no image"},
        {"image": "nowhere.png", "text": "red"},
        {"image": "broken.png", "text": "red"},
        '["a", "list"]',
        {"image": "img1.png", "text": "red", "boxes": [{"token": 4, "box": [0, 0, 10, 10]}]},
        {"image": "img1.png", "text": "red", "boxes": [{"token": 0, "box": [10, 0, 5, 10]}]},
        {"image": "img2.png", "text": "red square"},
    ]
    path = _write_jsonl(home / "mixed.jsonl", items)
    code, _, err = run("--model", "tiny-hybrid", "--pairs", path, "--out-dir", tmp_path / "out", "--batch-size", 2)
    assert code == 2 and "Traceback" not in err
    rows = {int(r["index"]): r for r in read_rows(tmp_path / "out" / "summary.csv")}
    assert len(rows) == len(items)
    expect = {1: "not JSON", 2: '"text" must be a string, not null', 3: "not a number", 4: 'missing "image"',
              5: "does not exist", 6: "not a", 7: "not a list", 8: "token 4 is past", 9: "x1 > x0"}
    for index, fragment in expect.items():
        assert rows[index]["status"] == "error" and fragment in rows[index]["error"], rows[index]
    assert rows[0]["status"] == rows[10]["status"] == "ok"
    with ResultsStore(tmp_path / "out") as store:
        assert store.indices() == [0, 10]


@pytest.mark.parametrize("kind", ["folder", "fifo", "device"])
def test_pairs_that_is_not_a_regular_file_exits_2(run, tmp_path, kind):
    if kind == "folder":
        path, word = tmp_path, "folder"
    elif kind == "fifo":
        path, word = tmp_path / "pipe", "FIFO"
        os.mkfifo(path)  # opening it would block: it must be refused before that
    else:
        path, word = "/dev/zero", "character device"
    code, _, err = run("--pairs", path, "--out-dir", tmp_path / "out")
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ") and word in err


def test_rerun_needs_resume_or_force(home, run, tmp_path):
    path = _write_jsonl(home / "two.jsonl", _good_pairs(home, 2))
    out = tmp_path / "out"
    assert run("--model", "tiny-hybrid", "--pairs", path, "--out-dir", out)[0] == 0
    code, _, err = run("--model", "tiny-hybrid", "--pairs", path, "--out-dir", out)
    assert code == 2 and err.startswith("error: ") and "--resume" in err and len(err.strip().splitlines()) == 1
    code, _, err = run("--model", "tiny-late", "--pairs", path, "--out-dir", out, "--resume")
    assert code == 2 and "tiny-hybrid" in err
    before = (out / "summary.csv").read_text()
    code, stdout, _ = run("--model", "tiny-hybrid", "--pairs", path, "--out-dir", out, "--resume")
    assert code == 0 and "0 pair(s) probed" in stdout and (out / "summary.csv").read_text() == before
    assert run("--model", "tiny-late", "--pairs", path, "--out-dir", out, "--force")[0] == 0
    assert json.loads((out / "run.json").read_text())["model"] == "tiny-late"
    with ResultsStore(out) as store:
        assert store.indices() == [0, 1]


def test_resume_after_a_kill_mid_batch_redoes_only_the_unfinished(home, run, tmp_path):
    pairs = _good_pairs(home, 9)
    path = _write_jsonl(home / "nine.jsonl", pairs)
    out = tmp_path / "out"
    assert run("--model", "tiny-hybrid", "--pairs", path, "--out-dir", out, "--batch-size", 3, "--keep", "attention")[0] == 0
    with ResultsStore(out) as store:
        want = {k: store.arrays(k) for k in store.indices()}
    # What a kill leaves: the last batch written to the store but its summary rows cut off mid-line,
    # plus rows of a batch that was never counted as committed; no merged summary.
    part = out / "summary.rank0.csv"
    lines = part.read_text().splitlines(keepends=True)
    part.write_text("".join(lines[:5]) + lines[5][:7])  # header + 4 rows + a partial row
    with StoreWriter(out / "store.rank0.h5", "attention") as w:
        w.file.attrs["committed"] = 6  # pairs 6-8 were written but never counted
    (out / "summary.csv").unlink()
    code, stdout, err = run("--model", "tiny-hybrid", "--pairs", path, "--out-dir", out, "--batch-size", 3, "--keep", "attention", "--resume")
    assert code == 0, err
    assert "5 pair(s) probed" in stdout and "4 already done" in stdout
    rows = read_rows(out / "summary.csv")
    assert [int(r["index"]) for r in rows] == list(range(9))
    with ResultsStore(out) as store:
        assert store.indices() == list(range(9))
        assert len(store.parts[0].index) == 9  # no duplicates
        for k in range(9):
            _assert_same(store.arrays(k), want[k], want[k])


def test_resume_with_a_damaged_store_part_probes_its_pairs_again(home, run, tmp_path):
    path = _write_jsonl(home / "four.jsonl", _good_pairs(home, 4))
    out = tmp_path / "out"
    assert run("--model", "tiny-hybrid", "--pairs", path, "--out-dir", out, "--batch-size", 2)[0] == 0
    (out / "store.rank0.h5").write_bytes(b"not hdf5 at all")
    code, stdout, err = run("--model", "tiny-hybrid", "--pairs", path, "--out-dir", out, "--resume")
    assert code == 0, err
    assert "4 pair(s) probed" in stdout and "moved to store.rank0.h5.damaged-" in err
    assert len(list(out.glob("store.rank0.h5.damaged-*"))) == 1  # kept aside, not deleted
    with ResultsStore(out) as store:
        assert store.indices() == [0, 1, 2, 3]
        _assert_same(store.arrays(2), _reference(home, "tiny-hybrid", _good_pairs(home, 4)[2]), ["token_to_image", "tokens"])


def test_data_loader_workers_give_every_pair_once(home, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("MMEXPLORER_HOME", str(home))
    path = _write_jsonl(home / "twelve.jsonl", _good_pairs(home, 12))
    code = main(["probe", "--device", "cpu", "--workers", "2", "--batch-size", "5", "--model", "tiny-hybrid",
                 "--pairs", str(path), "--out-dir", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err
    rows = read_rows(tmp_path / "out" / "summary.csv")
    assert [int(r["index"]) for r in rows] == list(range(12))
    with ResultsStore(tmp_path / "out") as store:
        assert sorted(int(i) for i in store.parts[0].index) == list(range(12))
        for k in (0, 7, 11):
            _assert_same(store.arrays(k), _reference(home, "tiny-hybrid", _good_pairs(home, 12)[k]), ["token_to_image", "tokens"])


KILLER = """
import os, signal, sys
import h5py
from mmexplorer.engine.bulk import summary
where, count = sys.argv[1], int(sys.argv[2])
calls = [0]
def dying(original):
    def call(self, *a, **k):
        calls[0] += 1
        if calls[0] == count:
            os.kill(os.getpid(), signal.SIGKILL)  # kill -9, at this exact point of the commit
        return original(self, *a, **k)
    return call
if where == "store":  # a store flush: data written, not yet counted (or counted, summary not yet appended)
    h5py.File.flush = dying(h5py.File.flush)
else:  # appending a batch's rows to the summary
    summary.SummaryPart.append = dying(summary.SummaryPart.append)
from mmexplorer.cli import main
sys.exit(main(sys.argv[3:]))
"""


# flushes: 1 per segment file (written whole, not yet renamed into place), 4 segments, then the compaction's
# new part file: 5 created, 6 data written, 7 counted (not yet renamed over the old part)
@pytest.mark.parametrize("where, count", [("store", 2), ("store", 6), ("store", 7), ("summary", 2)])
def test_a_real_kill_minus_9_mid_commit_resumes_to_the_same_results(home, run, tmp_path, where, count):
    import subprocess
    import sys

    path = _write_jsonl(home / "eight.jsonl", _good_pairs(home, 8))
    args = ["probe", "--device", "cpu", "--workers", "0", "--batch-size", "2", "--model", "tiny-hybrid", "--pairs", str(path)]
    env = dict(os.environ, MMEXPLORER_HOME=str(home))
    killed = subprocess.run([sys.executable, "-c", KILLER, where, str(count), *args, "--out-dir", str(tmp_path / "out")],
                            env=env, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -9, killed.stderr
    assert not (tmp_path / "out" / "summary.csv").exists()
    code, stdout, err = run(*args[1:], "--out-dir", tmp_path / "out", "--resume")
    assert code == 0, err
    assert run(*args[1:], "--out-dir", tmp_path / "ref")[0] == 0
    assert read_rows(tmp_path / "out" / "summary.csv") == read_rows(tmp_path / "ref" / "summary.csv")
    with ResultsStore(tmp_path / "out") as got, ResultsStore(tmp_path / "ref") as want:
        assert len(got.parts[0].index) == 8 and got.indices() == list(range(8))
        for k in range(8):
            _assert_same(got.arrays(k), want.arrays(k), want.arrays(k))
