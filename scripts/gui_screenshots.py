"""Save a screenshot of every explorer view to docs/screenshots (rerun after changing the GUI or the models).

Each shot is `mmexplorer gui --screenshot` in its own process, drawn offscreen,
so no display is needed. Usage: python scripts/gui_screenshots.py [--out DIR] [--only NAME ...] [--lang zh_CN]
(with --lang, the shots go to docs/screenshots/<lang>/ unless --out says otherwise).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "mmexplorer" / "resources" / "samples"
TWO = SAMPLES / "red-circle-blue-square.png"
THREE = SAMPLES / "three-shapes.png"
WIDE = SAMPLES / "wide-scene.png"

# name -> (fusion of the model to use, or None for the default model; command-line options)
SHOTS = {
    "cross-modal": (None, ["--view", "cross", "--image", THREE, "--text", "a green triangle, a yellow circle and a red square", "--token", "yellow"]),
    "self-attention": ("early", ["--view", "self", "--image", TWO, "--text", "a red circle and a blue square", "--token", "blue"]),
    "patches": (None, ["--view", "patches", "--image", WIDE, "--text", "a blue circle, a red square and a yellow triangle"]),
    "heads": (None, ["--view", "heads", "--image", TWO, "--text", "a red circle and a blue square", "--token", "circle"]),
    "model": (None, ["--view", "model", "--image", TWO, "--text", "a red circle and a blue square"]),
    "late-fusion": ("late", ["--view", "cross", "--image", TWO, "--text", "a red circle and a blue square"]),
    "contrastive": ("contrastive", ["--view", "cross", "--image", TWO, "--text", "a red circle and a blue square", "--token", "red"]),
    "unknown-words": ("cross", ["--view", "cross", "--image", WIDE, "--text", "a blue circle next to a red zebra", "--token", "zebra"]),
    "chinese-caption": (None, ["--view", "cross", "--image", THREE, "--text", "一个绿色三角形，一个黄色圆形和一个红色方形", "--token", "黄色"]),
    "compare": (None, ["--view", "compare", "--image", THREE, "--text", "a green triangle, a yellow circle and a red square", "--token", "yellow"]),
    "train": (None, ["--view", "train", "--image", TWO, "--text", "a red circle and a blue square"]),
}

LANG_FOLDERS = {"en": "", "zh_CN": "zh"}  # docs/screenshots/<folder>


def models_by_fusion(env: dict) -> dict[str, str]:
    out = subprocess.run([sys.executable, "-m", "mmexplorer", "models", "--json"], capture_output=True, text=True,
                         check=True, env=env)
    listing = json.loads(out.stdout)
    by_fusion: dict[str, str] = {}
    for entry in listing["models"]:
        by_fusion.setdefault(entry["fusion"], entry["name"])
    return by_fusion


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", help="folder for the PNGs (default: docs/screenshots, or docs/screenshots/zh for --lang zh_CN)")
    parser.add_argument("--lang", default="en", help="interface language of the shots: en (default) or zh_CN")
    parser.add_argument("--only", nargs="*", choices=sorted([*SHOTS, "cell"]))
    parser.add_argument("--size", default="1400x860")
    parser.add_argument("--with-user-models", dest="bundled_only", action="store_false",
                        help="also list the models in your user folder (default: bundled models only)")
    args = parser.parse_args()
    out = Path(args.out) if args.out else ROOT / "docs" / "screenshots" / LANG_FOLDERS.get(args.lang, args.lang)
    out.mkdir(parents=True, exist_ok=True)
    # an empty user folder: the shots show the bundled models, whatever the person running this has trained
    home = tempfile.TemporaryDirectory() if args.bundled_only else None
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **({"MMEXPLORER_HOME": home.name} if home else {}))
    models = models_by_fusion(env)
    failed = 0
    for name in args.only or [*SHOTS, "cell"]:
        if name == "cell":  # the cell panel needs a click after the first probe: its own script
            path = out / "cell.png"
            proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "cell_screenshot.py"), "--out", str(path)],
                                  env=env, capture_output=True, text=True, timeout=300)
            failed += proc.returncode != 0
            print(f"{path}: {'ok' if proc.returncode == 0 else 'failed'}")
            continue
        fusion, options = SHOTS[name]
        model = [] if fusion is None else ["--model", models.get(fusion, "")]
        if fusion is not None and fusion not in models:
            print(f"skip {name}: no {fusion} model installed")
            continue
        path = out / f"{name}.png"
        cmd = [sys.executable, "-m", "mmexplorer", "gui", *model, *map(str, options), "--size", args.size, "--lang", args.lang,
               "--screenshot", str(path), "--force"]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        status = "ok" if proc.returncode == 0 else f"failed ({proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}"
        failed += proc.returncode != 0
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {status}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
