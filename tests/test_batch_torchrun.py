"""The batch probe under `torchrun --nproc-per-node 2` on the CPU (gloo): sharded by rank, equal to one process, resumable."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import tiny_model
from mmexplorer.attention.store import ResultsStore, StorePart, StoreWriter
from mmexplorer.engine.bulk.summary import read_rows
from mmexplorer.models.checkpoint import save_checkpoint

TORCHRUN = Path(sys.executable).with_name("torchrun")
ROOT = Path(__file__).resolve().parents[1]
N = 11


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    save_checkpoint(tiny_model("cross"), home / "models" / "tiny-cross.safetensors")
    rng = np.random.default_rng(2)
    for i, shape in enumerate([(50, 80, 3), (64, 64, 3), (30, 90, 3)]):
        Image.fromarray(rng.integers(0, 255, shape, dtype=np.uint8)).save(home / f"img{i}.png")
    texts = ["a red circle", "a blue square above a green triangle", "red", "two small squares"]
    lines = [json.dumps({"image": f"img{i % 3}.png", "text": texts[i % 4]}) for i in range(N)]
    lines[4] = json.dumps({"image": "missing.png", "text": "red"})  # one error row, on rank 0
    (home / "pairs.jsonl").write_text("\n".join(lines) + "\n")
    env = dict(os.environ, MMEXPLORER_HOME=str(home), PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    return home, env


def _probe(env, home, out, *extra, launcher=()):
    cmd = [*launcher, "-m", "mmexplorer", "probe", "--model", "tiny-cross", "--pairs", str(home / "pairs.jsonl"),
           "--out-dir", str(out), "--device", "cpu", "--workers", "0", "--batch-size", "2", "--keep", "attention", *extra]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)


def _torchrun(env, home, out, *extra):
    return _probe(env, home, out, *extra, launcher=(str(TORCHRUN), "--standalone", "--nproc-per-node", "2", "--no-python", sys.executable))


@pytest.mark.skipif(not TORCHRUN.exists(), reason="torchrun is not installed next to this Python")
def test_two_ranks_equal_one_process_and_resume_without_duplicates(setup, tmp_path):
    home, env = setup
    single, sharded = tmp_path / "single", tmp_path / "sharded"
    r = _probe(env, home, single, launcher=(sys.executable,))
    assert r.returncode == 2 and r.stderr.strip().splitlines()[-1].startswith("error: 1 of 11"), r.stderr
    r = _torchrun(env, home, sharded)
    # the error row makes rank 0 exit 2 with its one line (torchrun then reports the exit code in its own words)
    assert "error: 1 of 11 pair(s) failed" in r.stderr and "exitcode  : 2" in r.stderr, r.stderr
    assert f"{ROOT}/mmexplorer" not in r.stderr, r.stderr  # no traceback through the project's code
    assert sorted(p.name for p in sharded.glob("store.rank*.h5")) == ["store.rank0.h5", "store.rank1.h5"]
    for rank in (0, 1):  # each rank holds its own shard
        part = StorePart(sharded / f"store.rank{rank}.h5")
        assert all(int(i) % 2 == rank for i in part.index) and len(part.index) > 0
        part.close()

    def check_against_single():
        rows = read_rows(sharded / "summary.csv")
        assert [int(x["index"]) for x in rows] == list(range(N))
        assert [x["status"] for x in rows] == ["error" if i == 4 else "ok" for i in range(N)]
        with ResultsStore(single) as a, ResultsStore(sharded) as b:
            assert a.indices() == b.indices() == [i for i in range(N) if i != 4]
            assert sum(len(p.index) for p in b.parts) == N - 1  # no pair twice
            for k in a.indices():
                want, got = a.arrays(k), b.arrays(k)
                assert sorted(want) == sorted(got)
                for key in want:
                    if want[key].dtype.kind == "f":
                        np.testing.assert_allclose(got[key], want[key], atol=1e-5, err_msg=key)
                    elif key != "meta":
                        assert (got[key] == want[key]).all(), key

    check_against_single()
    # An interruption: rank 1's last batch in its store but not in its summary, rank 0's last row cut off, no merged summary.
    part1 = sharded / "summary.rank1.csv"
    part1.write_text("".join(part1.read_text().splitlines(keepends=True)[:-2]))
    part0 = sharded / "summary.rank0.csv"
    text0 = part0.read_text()
    part0.write_text(text0[: len(text0) - 5])
    (sharded / "summary.csv").unlink()
    r = _torchrun(env, home, sharded, "--resume")
    assert f"{ROOT}/mmexplorer" not in r.stderr and "error: 1 of 11 pair(s) failed" in r.stderr, r.stderr
    check_against_single()
    done = sum(len(StorePart(p).index) for p in sharded.glob("store.rank*.h5"))
    assert done == N - 1
