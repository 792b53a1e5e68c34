"""Hostile input, third round: what the command-line corpus (tests/hostile3.py) cannot show in one process.

Memory stays low on huge sparse files, pairs lines are each refused alone,
explorer.ini as a FIFO does not stop the window, two probes to one --out do not
both write, a hub that never answers fails in seconds, the batch store stops
cleanly on a full disk, and every real family takes an extreme-aspect photo or
refuses it by name.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import hostile

import mmexplorer

ROOT = Path(mmexplorer.__file__).resolve().parent.parent  # the copy under test, in the subprocesses too
TESTS = Path(__file__).resolve().parent
HUGE = 4 << 30  # bytes a sparse file claims: reading it whole would show in the peak memory


def _env(home: Path, **extra) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + str(TESTS), MMEXPLORER_HOME=str(home),
               HF_HUB_OFFLINE="1", QT_QPA_PLATFORM="offscreen")
    env.update(extra)
    return env


def _sparse(path: Path, size: int = HUGE) -> Path:
    with open(path, "wb") as f:
        f.truncate(size)
    return path


# -- memory: a reader refuses a huge file without reading it ---------------------------------------------

_PEAK = """
import resource, sys
{setup}
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    {call}
except ValueError as exc:
    print("refused:", exc)
print("growth_kib", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


def _peak_growth(code_setup: str, call: str, tmp_path: Path) -> tuple[int, str]:
    """How far the peak memory of a fresh interpreter rose during `call` (after `code_setup`'s imports)."""
    script = _PEAK.format(setup=textwrap.dedent(code_setup), call=call)
    out = subprocess.run([sys.executable, "-c", script], env=_env(tmp_path / "home"), capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return int(out.stdout.split("growth_kib")[1]) * 1024, out.stdout


READERS = {
    "bundle settings.json": ("from mmexplorer.export import read_bundle", "read_bundle({folder!r})",
                             "settings.json"),
    "a .pth sidecar": ("from mmexplorer.engine.external.tv_arch import sidecar_heads", "sidecar_heads({folder!r} + '/w.pth')",
                       "w.json"),
    "COCO captions": ("from mmexplorer.engine.bulk.coco import coco_pairs", "list(coco_pairs({folder!r} + '/c.json', None, '.'))",
                      "c.json"),
    "a record.npz": ("from mmexplorer.attention.npz import load_record", "load_record({folder!r} + '/r.npz')", "r.npz"),
}


@pytest.mark.parametrize("reader", sorted(READERS))
def test_a_huge_sparse_file_is_refused_in_little_memory(reader, tmp_path):
    setup, call, name = READERS[reader]
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / name
    if name == "r.npz":  # a zip whose one array inflates to 4 GiB, stored as a few MiB
        import zipfile

        import hostile3

        hostile3._zip_bomb(path, HUGE)
        assert path.stat().st_size < 64 << 20 and zipfile.ZipFile(path).infolist()[0].file_size > HUGE
    else:
        _sparse(path)
    growth, out = _peak_growth(setup, call.format(folder=str(folder)), tmp_path)
    assert "refused:" in out and ("limit" in out or "claims" in out), out
    assert growth < 256 << 20, f"{reader}: peak memory rose {growth >> 20} MiB for a refused {HUGE >> 30} GiB file"


def test_a_deep_json_is_refused_by_the_one_reader_whatever_the_parser_allows():
    from mmexplorer.data.files import InputFileError, parse_json

    assert parse_json('{"a": [[1]]}') == {"a": [[1]]}
    for deep in ("[" * 65 + "]" * 65, "[" * 100_000 + "]" * 100_000, '{"a":' * 5000 + "1" + "}" * 5000):
        with pytest.raises(InputFileError, match="nested more than 64 levels"):
            parse_json(deep)
    with pytest.raises(InputFileError, match="lone surrogate"):
        parse_json('{"text": "a \\udc00 b"}')
    with pytest.raises(InputFileError, match="lone surrogate"):
        parse_json('{"\\ud800": 1}')


# -- pairs lines: each hostile line is that pair's error, the others are probed -----------------------

def test_deep_or_surrogate_pairs_lines_are_errors_of_their_own_pairs(tmp_path):
    from mmexplorer.engine.bulk.pairs import iter_pairs

    photo = hostile.picture(tmp_path / "p.png")
    good = json.dumps({"image": str(photo), "text": "a red circle"})
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join([good, "[" * 50_000 + "]" * 50_000, '{"image": "p.png", "text": "a \\ud800 b"}', good]) + "\n")
    specs = list(iter_pairs(path))
    assert [s.error is None for s in specs] == [True, False, False, True]
    assert "nested more than 64 levels" in specs[1].error
    assert "lone surrogate" in specs[2].error


# -- explorer.ini as a FIFO: the window's settings do not block ---------------------------------------

def test_an_explorer_ini_fifo_does_not_stop_the_window(tmp_path):
    pytest.importorskip("PySide6")
    home = tmp_path / "home"
    home.mkdir()
    os.mkfifo(home / "explorer.ini")
    script = ("from mmexplorer.gui.settings import Settings\n"
              "s = Settings(); s.set('a', 'b'); print('value', s.get('a')); print('file', s.q.fileName())\n")
    out = subprocess.run([sys.executable, "-c", script], env=_env(home), capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "value b" in out.stdout and str(home / "explorer.ini") not in out.stdout
    assert "explorer.ini is a named pipe" in out.stderr and out.stderr.count("\n") == 1


# -- two probes to one --out ---------------------------------------------------------------------------

def test_two_concurrent_probes_to_one_out_write_it_once(tmp_path):
    home = tmp_path / "home"
    model = hostile.tiny_checkpoint(home / "models" / "tiny-early.safetensors")
    photo = hostile.picture(tmp_path / "p.png")
    out = tmp_path / "same.npz"
    argv = [sys.executable, "-m", "mmexplorer", "probe", "--model", str(model), "--image", str(photo), "--text",
            "a red circle", "--out", str(out), "--device", "cpu"]
    runs = [subprocess.Popen(argv, env=_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in runs]
    wrote = [r for r in results if r[0] == 0]
    refused = [r for r in results if r[0] != 0]
    assert len(wrote) == 1 and "wrote" in wrote[0][1], results
    code, _, err = refused[0]
    assert code == 2 and err.strip().startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert "being written by another run" in err or "exists; pass --force" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "p.png", "same.npz"]  # no lock or temp file left


# -- a hub that never answers ----------------------------------------------------------------------------

def test_a_stalled_hub_fails_with_one_line_naming_the_id_and_endpoint(tmp_path):
    pytest.importorskip("huggingface_hub")
    from fake_hub import StalledServer

    photo = hostile.picture(tmp_path / "p.png")
    with StalledServer() as url:
        env = _env(tmp_path / "home", HF_HUB_OFFLINE="0", HF_ENDPOINT=url, HF_HOME=str(tmp_path / "hf"))
        out = subprocess.run([sys.executable, "-m", "mmexplorer", "probe", "--model", "someone/tiny-model", "--image",
                              str(photo), "--text", "a", "--out", str(tmp_path / "o.npz"), "--device", "cpu"],
                             env=env, capture_output=True, text=True, timeout=240)  # a guard against the old hang
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 2 and len(lines) == 1, out.stderr[-2000:]
    assert "someone/tiny-model" in lines[0] and url in lines[0] and "no answer" in lines[0]


# -- the batch store on a full disk ----------------------------------------------------------------------

def _file_size_limit(limit: int):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, as a full disk fails
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize("lines", [2, 40])
def test_the_batch_store_stops_cleanly_on_a_full_disk(tmp_path, lines):
    home = tmp_path / "home"
    model = hostile.tiny_checkpoint(home / "models" / "tiny-early.safetensors")
    photo = hostile.picture(tmp_path / "p.png")
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"image": str(photo), "text": f"a red circle {i}"}) + "\n" for i in range(lines)))
    out_dir = tmp_path / "out"
    argv = [sys.executable, "-m", "mmexplorer", "probe", "--model", str(model), "--pairs", str(pairs), "--out-dir",
            str(out_dir), "--keep", "all", "--device", "cpu", "--batch-size", "4", "--workers", "2"]
    # the workers hold the pipes too: run() returns only when every one of them has ended
    out = subprocess.run(argv, env=_env(home), capture_output=True, text=True, timeout=300,
                         preexec_fn=_file_size_limit(20_000))
    lines_out = out.stderr.strip().splitlines()
    assert out.returncode == 2, f"exit {out.returncode}: {out.stderr[-2000:]}"
    assert len(lines_out) == 1 and lines_out[0].startswith("error: cannot write"), out.stderr[-2000:]
    assert not [p for p in out_dir.rglob("*") if p.name.endswith(".tmp")]


# -- a very wide or tall photo through every real family --------------------------------------------------

@pytest.fixture(scope="module")
def families(tmp_path_factory):
    pytest.importorskip("transformers")
    import hf_tiny

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return hf_tiny.build_every_family(tmp_path_factory.mktemp)


@pytest.mark.parametrize("size", [(4000, 4), (4, 4000), (3000, 1)])
def test_every_family_takes_an_extreme_aspect_photo_or_refuses_it_by_name(families, size, tmp_path, capsys):
    from PIL import Image

    from mmexplorer.cli import main

    photo = tmp_path / "wide.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)).save(photo)
    for family, folder in families.items():
        out = tmp_path / f"{family}.npz"
        code = main(["probe", "--model", str(folder), "--image", str(photo), "--text", "a cat", "--out", str(out),
                     "--device", "cpu", "--no-relevancy"])
        err = capsys.readouterr().err.strip()
        if code == 0:
            assert out.exists(), family
        else:
            assert code == 2 and len(err.splitlines()) == 1 and "aspect ratio" in err, (family, code, err[-500:])
            assert not out.exists()


# -- warnings: none that are not the user's business; NaN pixels said once, in words -----------------------

def test_nan_pixels_are_said_once_in_words_and_numpy_stays_quiet(tmp_path, recwarn):
    import warnings

    from PIL import Image

    from mmexplorer.data.image import load_image, user_notes

    values = np.random.default_rng(0).random((30, 40)).astype(np.float32)
    values[3:6, 3:9] = np.nan
    values[0, 0] = np.inf
    Image.fromarray(values, "F").save(tmp_path / "nan.tif")
    warnings.simplefilter("always")
    loaded = load_image(tmp_path / "nan.tif")
    assert not [str(w.message) for w in recwarn], "numpy or Pillow warned"
    assert user_notes(loaded) == ["19 of 1200 pixels were not numbers (NaN or infinite); they are shown as the darkest value"]
    assert loaded.pixels[4, 4].tolist() == [0, 0, 0] and loaded.pixels.max() > 0


def test_a_decompression_bomb_is_refused_without_pillows_warning_first(recwarn):
    import warnings

    from mmexplorer.data.image import ImageError, decode_image

    warnings.simplefilter("always")
    with pytest.raises(ImageError):
        decode_image(hostile.jpeg_claiming(10_000, 10_000), "bomb.jpg")  # 100 megapixels: above Pillow's warning
    assert not [str(w.message) for w in recwarn]
