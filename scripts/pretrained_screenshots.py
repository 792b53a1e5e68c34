"""Screenshots of a real pretrained family (ViLT, else BLIP) in every explorer view, to docs/screenshots/pretrained.

A real checkpoint from the local Hugging Face cache is used when one is there
(dandelin/vilt-b32-finetuned-coco, else Salesforce/blip-itm-base-coco); nothing
is downloaded. Without one, the script builds a ViLT with random weights
(ViLT-B/32's patch size and input size, 4 layers x 6 heads, a vocabulary of the
sentence's words) and says so: its maps show what each view draws for ViLT (the
joint layout, the heads, the patch grid), not what a trained model sees.
Usage: python scripts/pretrained_screenshots.py [--out DIR] [--size 1400x860]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PHOTO = ROOT / "mmexplorer" / "resources" / "samples" / "three-shapes.png"
TEXT = "a green triangle, a yellow circle and a red square"
REAL = ("dandelin/vilt-b32-finetuned-coco", "Salesforce/blip-itm-base-coco")
VIEWS = {"cross": ["--token", "yellow"], "self": ["--token", "yellow"], "heads": ["--token", "yellow"],
         "patches": [], "model": []}


def cached_checkpoint() -> str | None:
    sys.path.insert(0, str(ROOT))
    from mmexplorer.hub import find_in_hf_cache

    return next((repo for repo in REAL if find_in_hf_cache(repo) is not None), None)


def random_vilt(folder: Path) -> Path:
    """A ViLT with random weights whose vocabulary holds the sentence's words, saved with save_pretrained."""
    import torch
    import transformers as tf

    words = sorted({w.strip(",") for w in TEXT.split()}) + [","]
    (folder / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]) + "\n")
    tok = tf.BertTokenizerFast.from_pretrained(str(folder), model_max_length=40)
    cfg = tf.ViltConfig(vocab_size=len(tok), max_position_embeddings=40, num_hidden_layers=4, num_attention_heads=6,
                        hidden_size=192, intermediate_size=384)  # image_size 384, patch_size 32 as ViLT-B/32
    torch.manual_seed(0)
    tf.ViltForImageAndTextRetrieval(cfg).eval().save_pretrained(str(folder))
    images = tf.ViltImageProcessor(size={"shortest_edge": 384}, size_divisor=32)
    tf.ViltProcessor(image_processor=images, tokenizer=tok).save_pretrained(str(folder))
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots" / "pretrained"))
    parser.add_argument("--size", default="1400x860")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.TemporaryDirectory()
    model = cached_checkpoint()
    if model is None:
        folder = Path(tmp.name) / "vilt-random-weights"  # the name the explorer shows for it
        folder.mkdir()
        model = str(random_vilt(folder))
        what = "a ViLT with random weights built by this script (no checkpoint in the Hugging Face cache)"
    else:
        what = f"{model} from the local Hugging Face cache"
    print(f"model: {what}")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HF_HUB_OFFLINE="1", MMEXPLORER_HOME=tmp.name + "/home")
    failed = 0
    for view, options in VIEWS.items():
        path = out / f"{view}.png"
        cmd = [sys.executable, "-m", "mmexplorer", "gui", "--model", model, "--image", str(PHOTO), "--text", TEXT,
               "--view", view, *options, "--size", args.size, "--screenshot", str(path), "--force"]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        failed += proc.returncode != 0
        status = "ok" if proc.returncode == 0 else f"failed ({proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}"
        print(f"{path}: {status}")
    (out / "MODEL.txt").write_text(what + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
