"""docs/examples/quickstart.ipynb runs top to bottom in a real kernel, offline, and draws real PNG figures."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
import pytest

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")
pytest.importorskip("ipykernel")
pytest.importorskip("transformers")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "examples" / "quickstart.ipynb"


def _pngs(nb) -> list[bytes]:
    return [base64.b64decode(out["data"]["image/png"]) for cell in nb.cells if cell.cell_type == "code"
            for out in cell.get("outputs", []) if "image/png" in out.get("data", {})]


def test_the_quickstart_notebook_runs_and_draws_its_figures(monkeypatch, tmp_path):
    from PIL import Image

    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the kernel imports this checkout
    monkeypatch.setenv("MMEXPLORER_HOME", str(tmp_path / "home"))  # no user models of this machine
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [out for cell in nb.cells for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    assert not errors
    pngs = _pngs(nb)
    # the record itself, its two views, the wrapped model's overlay and the best stored pair
    assert len(pngs) >= 5
    for data in pngs:
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        picture = Image.open(io.BytesIO(data))
        picture.load()
        grey = np.asarray(picture.convert("L"))
        assert min(picture.size) > 100 and len(np.unique(grey)) > 10  # drawn, not blank
    text = "".join(out.get("text", "") for cell in nb.cells for out in cell.get("outputs", []))
    assert "2 pair(s) probed, 1 failed" in text  # the batch run: the missing picture is its one failure
    assert "0 ok" in text and "2 error" in text and "missing.png" in text
