"""Peak RSS of the explorer after its first probe, against a process that imports torch,
torchvision, PySide6 and pyqtgraph and opens an empty window."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from benchmarks.common import Row, median

TARGET = 1.25

BASELINE = """
import torch, torchvision, pyqtgraph
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow(); w.resize(1400, 860); w.show()
for _ in range(20):
    app.processEvents()
"""

# Runs a child and prints the child's peak RSS in kB (RUSAGE_CHILDREN holds only that child here).
MEASURE = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, capture_output=True, timeout=300)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _peak_kb(cmd: list[str], env: dict) -> int:
    out = subprocess.run([sys.executable, "-c", MEASURE, *cmd], env=env, capture_output=True, text=True, timeout=400)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip()[-300:])
    return int(out.stdout.strip().splitlines()[-1])


def run(repeats: int = 3) -> list[Row]:
    explorer, baseline = [], []
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MMEXPLORER_HOME=tmp)
        for _ in range(repeats):
            explorer.append(_peak_kb([sys.executable, "-m", "mmexplorer", "gui", "--screenshot", os.path.join(tmp, "s.png"), "--force"], env))
            baseline.append(_peak_kb([sys.executable, "-c", BASELINE], env))
    e, b = median(explorer) / 1024, median(baseline) / 1024
    ratio = e / b
    return [
        Row(
            "peak memory of the explorer",
            f"explorer {e:.0f} MB / torch+torchvision+Qt+pyqtgraph empty window {b:.0f} MB = {ratio:.2f}x",
            f"<= {TARGET}x",
            ratio <= TARGET,
            ratio,
        )
    ]
