"""The program as a user installs it: a wheel, in a fresh virtual environment, started from elsewhere.

The wheel is built from this checkout without network (no build isolation), installed
with --no-deps into a new venv whose site-packages borrow this environment's
dependencies (torch, Qt, ...) through a .pth line, and run from an unrelated folder with
no path pointing back at the source tree: whatever it finds, it found inside the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = {"early", "cross", "hybrid", "late", "contrastive"}


def _run(cmd, cwd, env, timeout=300):
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(python of the fresh venv, a folder outside the source tree, an environment without PYTHONPATH)."""
    base = tmp_path_factory.mktemp("install")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["MMEXPLORER_HOME"] = str(base / "home")  # no user models: only what the wheel carries
    env["QT_QPA_PLATFORM"] = "offscreen"
    # Build from a copy: an in-tree build leaves build/ behind, whose stale files would
    # end up in the next wheel built here.
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", "out", ".bench"))
    wheels = base / "wheels"
    built = _run([sys.executable, "-m", "pip", "wheel", source, "--no-deps", "--no-build-isolation", "-q", "-w", wheels],
                 cwd=base, env=env)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = wheels.glob("mmexplorer-*.whl")
    venv.EnvBuilder(with_pip=False).create(base / "venv")
    python = base / "venv" / "bin" / "python"
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], base, env).stdout.strip())
    # Borrow the dependencies, not the project: a plain path line does not run this
    # environment's own .pth files, so its editable install of mmexplorer stays invisible.
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel],
                cwd=base, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    return python, elsewhere, env, wheel


def test_the_wheel_carries_models_configs_samples_and_icon(installed):
    *_, wheel = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for fusion in BUNDLED:
        assert f"mmexplorer/resources/models/{fusion}.safetensors" in names
        assert f"mmexplorer/resources/configs/{fusion}.json" in names
    assert {"mmexplorer/resources/models/index.json", "mmexplorer/resources/samples/index.json",
            "mmexplorer/resources/icons/mmexplorer.png"} <= names
    qm = "mmexplorer/gui/i18n/mmexplorer_zh_CN.qm"  # the compiled Chinese interface, as committed
    assert zipfile.ZipFile(wheel).read(qm) == (ROOT / qm).read_bytes()


def test_the_installed_program_lists_probes_and_draws_from_another_folder(installed, tmp_path):
    python, elsewhere, env, _ = installed
    where = _run([python, "-c", "import mmexplorer; print(mmexplorer.__file__)"], elsewhere, env)
    assert str(ROOT) not in where.stdout and "site-packages" in where.stdout, where.stdout + where.stderr

    listed = _run([python, "-m", "mmexplorer", "models", "--json"], elsewhere, env)
    assert listed.returncode == 0, listed.stderr
    models = json.loads(listed.stdout)
    assert {m["name"] for m in models["models"] if m["source"] == "bundled"} == BUNDLED
    assert models["default"] == "hybrid"
    assert all("site-packages" in m["path"] for m in models["models"])

    version = _run([python, "-m", "mmexplorer", "--version"], elsewhere, env)
    assert version.returncode == 0 and version.stdout.startswith("mmexplorer "), version.stderr

    sample = Path(_run([python, "-c", "from mmexplorer.paths import SAMPLES; print(SAMPLES / 'three-shapes.png')"],
                       elsewhere, env).stdout.strip())
    assert sample.is_file() and "site-packages" in str(sample)
    out = tmp_path / "probe.npz"
    probed = _run([python, "-m", "mmexplorer", "probe", "--model", "hybrid", "--image", sample,
                   "--text", "a red circle", "--out", out, "--json"], elsewhere, env)
    assert probed.returncode == 0, probed.stderr
    import numpy as np

    with np.load(out) as npz:
        assert list(npz["tokens"]) == ["a", "red", "circle"]
        assert npz["token_to_image"].shape[0] == 3

    shot = tmp_path / "window.png"
    drawn = _run([python, "-m", "mmexplorer", "gui", "--lang", "zh_CN", "--screenshot", shot, "--size", "900x600"], elsewhere, env)
    assert drawn.returncode == 0, drawn.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
