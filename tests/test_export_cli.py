"""`mmexplorer export`: files written, overwrite refused, bad input exits 2, bundles regenerate."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from mmexplorer.cli import main
from mmexplorer.config import load_variant

TEXT = "a red square left of a blue circle"
ROOT = Path(__file__).resolve().parent.parent


def tiny_model(fusion: str, folder: Path) -> Path:
    import torch

    from mmexplorer.models.checkpoint import save_checkpoint
    from mmexplorer.models.fusion.registry import build_model

    torch.manual_seed(0)
    cfg = load_variant(fusion).replace(name=f"tiny-{fusion}", width=32, depth=1, unimodal_depth=1, heads=2)
    return save_checkpoint(build_model(cfg), folder / f"tiny-{fusion}.safetensors")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    from PIL import Image

    folder = tmp_path_factory.mktemp("export-cli")
    pixels = np.zeros((60, 100, 3), np.uint8)
    pixels[10:40, 20:50] = (220, 40, 40)
    Image.fromarray(pixels).save(folder / "scene.png")
    models = {f: tiny_model(f, folder) for f in ("early", "late")}
    return folder, folder / "scene.png", models


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "mmexplorer", *args], capture_output=True, text=True, cwd=ROOT, timeout=300
    )


def run_main(capsys, *args) -> tuple[int, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        code = main(["export", *map(str, args)])
    return code, capsys.readouterr().err


def test_export_writes_figure_and_bundle_then_refuses_to_overwrite(inputs, tmp_path):
    folder, image, models = inputs
    out, bundle = tmp_path / "fig.png", tmp_path / "bundle"
    args = ["export", "--model", str(models["early"]), "--image", str(image), "--text", TEXT,
            "--view", "overlay", "--token", "red", "--head", "1", "--dpi", "80", "--out", str(out), "--bundle", str(bundle)]
    done = cli(*args)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (bundle / "figure.png").read_bytes() == out.read_bytes()
    settings = json.loads((bundle / "settings.json").read_text())
    assert (settings["token"], settings["token_text"], settings["head"], settings["layer"], settings["dpi"]) == (1, "red", 1, 0, 80)
    assert settings["image"] == str(image.resolve()) and settings["text"] == TEXT

    before = out.read_bytes()
    again = cli(*args)
    assert again.returncode == 2
    assert again.stderr.strip().splitlines() == [f"error: {out} exists; pass --force to overwrite"]
    assert out.read_bytes() == before


def test_from_bundle_regenerates_the_same_record(inputs, tmp_path, capsys):
    from mmexplorer.attention.npz import load_record, record_to_arrays

    folder, image, models = inputs
    first, second = tmp_path / "first", tmp_path / "second"
    code, err = run_main(capsys, "--model", models["late"], "--image", image, "--text", TEXT, "--view", "heads",
                         "--out", tmp_path / "a.pdf", "--bundle", first)
    assert code == 0, err
    done = cli("export", "--from-bundle", str(first), "--out", str(tmp_path / "b.pdf"), "--bundle", str(second))
    assert done.returncode == 0, done.stderr
    a, b = record_to_arrays(load_record(first / "record.npz")), record_to_arrays(load_record(second / "record.npz"))
    assert sorted(a) == sorted(b)
    for key in a:
        if key != "meta":  # meta holds timings
            # Two processes: their torch may pick other kernels or thread counts, and float sums
            # in another order differ in the last bits; the maps must agree, not the bits.
            if np.issubdtype(a[key].dtype, np.floating):
                np.testing.assert_allclose(a[key], b[key], rtol=1e-5, atol=1e-6, err_msg=key)
            else:
                np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    s1, s2 = (json.loads((d / "settings.json").read_text()) for d in (first, second))
    moved = {"image"}  # the second run read the first bundle's copy of the image
    assert {k: v for k, v in s1.items() if k not in moved} == {k: v for k, v in s2.items() if k not in moved}
    assert (tmp_path / "b.pdf").read_bytes() == (tmp_path / "a.pdf").read_bytes()


@pytest.mark.parametrize("view, suffix", [("matrix", "svg"), ("positions", "pdf"), ("patches", "png")])
def test_views_export_through_the_command_line(inputs, tmp_path, capsys, view, suffix):
    folder, image, models = inputs
    out = tmp_path / f"fig.{suffix}"
    code, err = run_main(capsys, "--model", models["early"], "--image", image, "--text", TEXT, "--view", view,
                         "--patch", "3", "--dpi", "50", "--out", out)
    assert code == 0, err
    assert out.stat().st_size > 1000


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--view", "spiral"], "invalid choice: 'spiral'"),
        (["--token", "zebra"], "token 'zebra' is not in the text"),
        (["--token", "42"], "token 42 is out of range"),
        (["--head", "9"], "head 9 is out of range"),
        (["--head", "median"], "head must be"),
        (["--layer", "5"], "layer 5 is out of range"),
        (["--method", "relevancy", "--view", "heads"], "raw weights"),
    ],
)
def test_bad_input_exits_2_with_one_error_line(inputs, tmp_path, capsys, extra, message):
    folder, image, models = inputs
    out = tmp_path / "fig.png"
    code, err = run_main(capsys, "--model", models["early"], "--image", image, "--text", TEXT, "--out", out, *extra)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert not out.exists()


def test_bad_paths_exit_2(inputs, tmp_path, capsys):
    folder, image, models = inputs
    common = ["--model", models["early"], "--text", TEXT]
    for extra, message in [
        (["--image", image, "--out", tmp_path / "fig.gif"], "must end in .png, .svg or .pdf"),
        (["--image", tmp_path / "missing.png", "--out", tmp_path / "fig.png"], "does not exist"),
        (["--from-bundle", tmp_path, "--out", tmp_path / "fig.png"], "not an export bundle"),
    ]:
        code, err = run_main(capsys, *common, *extra)
        assert code == 2 and err.startswith("error: ") and message in err, err


def test_export_starts_on_the_first_content_word_and_names_unknown_words(inputs, tmp_path, capsys):
    folder, image, models = inputs
    bundle = tmp_path / "b"
    code, err = run_main(capsys, "--model", models["early"], "--image", image, "--text", "a zebra next to a red square",
                         "--out", tmp_path / "a.png", "--dpi", "60", "--bundle", bundle)
    assert code == 0, err
    settings = json.loads((bundle / "settings.json").read_text())
    assert (settings["token"], settings["token_text"]) == (1, "zebra")  # not word 0, "a"
    assert "read as [UNK]: zebra" in err and err.count("\n") == 1


def test_probe_names_the_words_read_as_unknown(inputs, tmp_path, capsys):
    folder, image, models = inputs
    out = tmp_path / "p.npz"
    code = main(["probe", "--model", str(models["early"]), "--image", str(image), "--text", "a cat sitting on a red couch",
                 "--out", str(out), "--no-relevancy"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "cat, sitting, on, couch" in captured.err and "[UNK]" in captured.err
    code = main(["probe", "--model", str(models["early"]), "--image", str(image), "--text", "a cat on a red couch",
                 "--out", str(out), "--no-relevancy", "--force", "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert summary["unknown_words"] == ["cat", "on", "couch"]
