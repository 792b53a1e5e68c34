"""Hostile input, second and third rounds, through the command line (tests/hostile.py builds every case).

Each class is one test: every case of it must end with exit 2, exactly one
`error:` line naming the problem, no traceback, nothing partial or overwritten.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import hostile

os.environ.setdefault("HF_HUB_OFFLINE", "1")

KINDS = ("special files", "checkpoint configs", "Hugging Face folders", "write errors", "training arguments",
         "error path", "unclear messages",
         # the third round (tests/hostile3.py)
         "deep JSON", "unbounded reads", "special files 3", "typed values", "whole outputs")


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    pytest.importorskip("transformers")
    root = tmp_path_factory.mktemp("hostile")
    home = root / "home"
    built = hostile.build(root / "cases", home)
    return home, built


@pytest.mark.parametrize("kind", KINDS)
def test_every_case_of_the_class_is_refused_with_one_clear_line(cases, kind, monkeypatch):
    home, built = cases
    monkeypatch.setenv("MMEXPLORER_HOME", str(home))
    mine = [c for c in built if c.kind == kind]
    assert mine, kind
    failed = [f"{o.case.name}: {o.problem} | {o.stderr.strip()[-300:]}" for o in map(hostile.run, mine) if not o.handled]
    assert not failed, "\n".join(failed)


def test_a_good_probe_still_works_after_the_checks(cases, tmp_path, monkeypatch, capsys):
    """The checks refuse the hostile, not the ordinary: the tiny model probes and writes its npz."""
    from mmexplorer.cli import main

    home, _ = cases
    monkeypatch.setenv("MMEXPLORER_HOME", str(home))
    photo = hostile.picture(tmp_path / "p.png")
    out = tmp_path / "o.npz"
    assert main(["probe", "--model", "tiny-early", "--image", str(photo), "--text", "a red circle", "--out", str(out),
                 "--device", "cpu", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tokens"] == ["a", "red", "circle"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.npz", "p.png"]  # no temp or lock files left


def test_a_user_model_named_like_a_bundled_one_is_listed_as_user_name(tmp_path, monkeypatch, capsys):
    import mmexplorer.engine.catalog as catalog
    from mmexplorer.cli import main
    from mmexplorer.engine.catalog import list_models, resolve

    bundled, home = tmp_path / "bundled", tmp_path / "home"
    hostile.tiny_checkpoint(bundled / "early.safetensors")
    mine = hostile.tiny_checkpoint(home / "models" / "early.safetensors", fusion="cross")
    monkeypatch.setattr(catalog, "BUNDLED_MODELS", bundled)
    monkeypatch.setenv("MMEXPLORER_HOME", str(home))
    names = {m.name: m for m in list_models()}
    assert names["early"].source == "bundled" and names["user:early"].path == str(mine)
    assert resolve("user:early").fusion == "cross"
    assert main(["models"]) == 0
    text = capsys.readouterr().out
    assert "user:early" in text and "share a bundled model's name" in text


def test_the_size_bound_does_not_trust_st_size(tmp_path):
    """/proc files report st_size 0 yet have content: the bound counts the bytes read."""
    from mmexplorer.data.files import InputFileError, read_regular_file

    proc = Path("/proc/self/status")
    assert proc.stat().st_size == 0
    assert read_regular_file(proc, 1 << 20).startswith(b"Name:")
    with pytest.raises(InputFileError, match="larger than the limit of 64 bytes"):
        read_regular_file(proc, 64)


def test_sizes_are_shown_in_binary_units():
    from mmexplorer.data.files import format_bytes

    assert format_bytes(512 * 1024 * 1024) == "512 MiB"
    assert format_bytes(1536) == "1.5 KiB"
    assert format_bytes(661) == "661 bytes"
    assert format_bytes(3 * 1024**3) == "3 GiB"


def test_a_real_jpeg_is_not_mistaken_for_a_truncated_one(tmp_path):
    """The truncation bound refuses 8000x8000 in 661 bytes, not a flat large picture that compresses well."""
    import numpy as np
    from PIL import Image

    from mmexplorer.data.image import load_image

    path = tmp_path / "flat.jpg"
    Image.fromarray(np.full((2000, 3000, 3), 200, np.uint8)).save(path, quality=10)
    assert load_image(path).size == (3000, 2000)


def test_memory_estimate_bounds_the_real_parameter_count():
    """The budget's parameter estimate is an upper bound of what build_model really makes, for every fusion."""
    from conftest import FUSIONS, tiny_config
    from mmexplorer.models import build_model
    from mmexplorer.models.budget import estimate

    for fusion in FUSIONS:
        for changes in ({}, {"width": 64, "depth": 3, "heads": 4}, {"tasks": ("itm", "vqa"), "answers": ("red", "blue")}):
            cfg = tiny_config(fusion, **changes)
            real = sum(p.numel() for p in build_model(cfg).parameters())
            assert real <= estimate(cfg).parameters <= 4 * real, (fusion, changes, real, estimate(cfg).parameters)
