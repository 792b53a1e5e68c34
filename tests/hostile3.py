"""Hostile input, third round: nesting, unbounded reads, special files, typed stored values, whole outputs.

Cases in the form of tests/hostile.py (exit 2, one `error:` line holding `expect`,
no traceback, `check()` None), built on the fly under `folder`:

    deep JSON          a JSON nested 100,000 deep in every file the app parses
    unbounded reads    sparse 1 GiB files, /dev/zero, a zip bomb, an absurd --scenes
    special files 3    FIFOs where a bundle, a sidecar, COCO, run.json or a training state is read
    typed values       a bundle's settings and a training state with values of the wrong type
    whole outputs      a bundle and a training run on a full disk; a probe whose --out another one holds
"""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import warnings
import zipfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np

from hostile import Case, _absent, _held_lock

DEEP = "[" * 100_000 + "]" * 100_000
DEEP_SMALL = "[" * 30_000 + "]" * 30_000  # under a sidecar's 64 KiB bound
SPARSE = 1 << 30  # bytes a sparse file claims (holes: nothing is written to disk)


def _sparse(path: Path, size: int = SPARSE) -> Path:
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def _quiet_main(argv: list[str]) -> int:
    from mmexplorer.cli import main

    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        return main(argv)


def _unchanged_tree(folder: Path):
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def check():
        after = {p.name: p.read_bytes() for p in folder.iterdir()} if folder.is_dir() else {}
        if after != before:
            changed = sorted(set(before) ^ set(after) | {k for k in before if after.get(k) != before[k]})
            return f"{folder} changed: {changed}"
        left = [p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}.")]
        return f"left behind: {left}" if left else None
    return check


def _rewrite_settings(bundle: Path, **changes) -> Path:
    data = json.loads((bundle / "settings.json").read_text())
    data.update(changes)
    (bundle / "settings.json").write_text(json.dumps(data))
    return bundle


def _rewrite_record(bundle: Path, **arrays) -> Path:
    with np.load(bundle / "record.npz", allow_pickle=False) as z:
        data = {k: z[k] for k in z.files}
    data.update(arrays)
    np.savez_compressed(bundle / "record.npz", **data)
    return bundle


def _zip_bomb(path: Path, inflated: int) -> Path:
    """An npz whose one honest array of zeros inflates to `inflated` bytes (a few MiB on disk)."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": (inflated // 4,)})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open("tokens.npy", "w", force_zip64=True) as member:
            member.write(header.getvalue())
            block = bytes(16 << 20)
            for _ in range(inflated // len(block)):
                member.write(block)
    return path


def _full_after(files: int, small: int = 1000):
    """A disk that fills after `files` writes of more than `small` bytes: the next such write fails with ENOSPC."""
    import contextlib
    import errno

    @contextlib.contextmanager
    def patch():
        real, count = os.write, {"n": 0}

        def write(fd, data):
            if len(data) > small:
                count["n"] += 1
                if count["n"] > files:
                    raise OSError(errno.ENOSPC, "No space left on device")
            return real(fd, data)

        os.write = write
        try:
            yield
        finally:
            os.write = real
    return patch


def _with_metadata(source: Path, target: Path, **metadata) -> Path:
    from safetensors import safe_open
    from safetensors.torch import save_file

    with safe_open(str(source), framework="pt") as f:
        tensors = {k: f.get_tensor(k) for k in f.keys()}
        meta = dict(f.metadata() or {})
    meta.update(metadata)
    target.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(target), metadata=meta)
    return target


def build(folder: Path, home: Path, model: str, photo: Path, hf: bool = True) -> list[Case]:
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []
    never = folder / "never.png"

    # a bundle to spoil, and a redraw of it
    base = folder / "bundle"
    assert _quiet_main(["export", "--model", model, "--image", str(photo), "--text", "a red circle", "--out",
                        str(folder / "base.png"), "--bundle", str(base), "--device", "cpu", "--dpi", "50"]) == 0

    def bundle(name: str) -> Path:
        target = folder / "bundles" / name.replace(" ", "-").replace("/", "-")
        shutil.copytree(base, target)
        return target

    def redraw(b: Path, extra=()) -> list[str]:
        return ["export", "--from-bundle", str(b), "--out", str(never), *extra]

    def probe(image, model_arg=model, out=None):
        return ["probe", "--model", model_arg, "--image", str(image), "--text", "a red circle",
                "--out", str(out or folder / "never.npz"), "--device", "cpu", "--no-relevancy"]

    # a pairs file and a batch output folder
    pairs = folder / "pairs.jsonl"
    pairs.write_text(json.dumps({"image": str(photo), "text": "a red circle"}) + "\n")

    def resume_batch(name: str) -> tuple[Path, list[str]]:
        out_dir = folder / "batches" / name.replace(" ", "-")
        out_dir.mkdir(parents=True)
        return out_dir, ["probe", "--model", model, "--pairs", str(pairs), "--out-dir", str(out_dir), "--resume",
                         "--device", "cpu", "--workers", "0"]

    # a torchvision .pth with its sidecar
    tv = folder / "torchvision"
    tv.mkdir()

    def pth(name: str) -> Path:
        import torch
        from torchvision.models.vision_transformer import VisionTransformer

        torch.manual_seed(0)
        state = VisionTransformer(image_size=32, patch_size=16, num_layers=1, num_heads=2, hidden_dim=32, mlp_dim=64,
                                  num_classes=10).state_dict()
        path = tv / f"{name}.pth"
        torch.save(state, path)
        return path

    # COCO captions
    coco_images = folder / "coco-images"
    coco_images.mkdir()

    def coco(captions: Path) -> list[str]:
        return ["pairs-from-coco", "--captions", str(captions), "--images", str(coco_images),
                "--out", str(folder / "never.jsonl")]

    # a finished two-step training, to resume
    trained = folder / "trained" / "m.safetensors"
    train_args = ["train", "--fusion", "early", "--steps", "2", "--batch-size", "2", "--threads", "1", "--quiet",
                  "--device", "cpu"]
    assert _quiet_main([*train_args, "--out", str(trained)]) == 0

    def resumable(name: str) -> tuple[Path, list[str]]:
        target = folder / "runs" / name.replace(" ", "-") / "m.safetensors"
        target.parent.mkdir(parents=True)
        for p in trained.parent.iterdir():
            shutil.copy(p, target.parent / p.name)
        return target, [*train_args, "--out", str(target), "--resume"]

    def state_json(target: Path) -> Path:
        return target.with_name("m.train-state.json")

    # 1. deep JSON, in every file the app parses
    kind = "deep JSON"
    b = bundle("deep settings")
    (b / "settings.json").write_text(DEEP)
    cases.append(Case(kind, "bundle settings.json", redraw(b), "nested more than 64 levels", _absent(never)))
    b = _rewrite_record(bundle("deep meta"), meta=np.array(DEEP))
    cases.append(Case(kind, "a record's meta", redraw(b), "nested more than 64 levels", _absent(never)))
    ckpt = _with_metadata(Path(model), folder / "models" / "deep-extra.safetensors", extra=DEEP)
    cases.append(Case(kind, "a checkpoint's extra metadata", probe(photo, str(ckpt)), "nested more than 64 levels"))
    captions = folder / "deep-captions.json"
    captions.write_text(DEEP)
    cases.append(Case(kind, "pairs-from-coco --captions", coco(captions), "nested more than 64 levels"))
    out_dir, argv = resume_batch("deep run")
    (out_dir / "run.json").write_text(DEEP)
    cases.append(Case(kind, "a batch's run.json on --resume", argv, "nested more than 64 levels"))
    target, argv = resumable("deep state")
    state_json(target).write_text(DEEP)
    cases.append(Case(kind, "a .train-state.json on --resume", argv, "nested more than 64 levels"))
    side = pth("deep-sidecar")
    side.with_suffix(".json").write_text(DEEP_SMALL)
    cases.append(Case(kind, "a torchvision .pth's .json sidecar", probe(photo, str(side)), "nested more than 64 levels"))
    if hf:
        from hostile import tiny_vit_folder

        hf_base = tiny_vit_folder(folder / "hf" / "base")
        deep_config = folder / "hf" / "deep-config"
        shutil.copytree(hf_base, deep_config)
        (deep_config / "config.json").write_text('{"model_type": "vit", "x": ' + DEEP + "}")
        cases.append(Case(kind, "a Hugging Face config.json", probe(photo, str(deep_config)), "nested more than 64 levels"))
        deep_header = folder / "hf" / "deep-header"
        shutil.copytree(hf_base, deep_header)
        header = ('{"__metadata__": {"format": "pt"}, "x": ' + DEEP + "}").encode()
        (deep_header / "model.safetensors").write_bytes(struct.pack("<Q", len(header)) + header)
        cases.append(Case(kind, "a safetensors header", probe(photo, str(deep_header)), "nested more than 64 levels"))

    # 2. reads with no bound: sparse 1 GiB files, /dev/zero, an npz that inflates to 1.5 GiB, --scenes 10^12
    kind = "unbounded reads"
    b = bundle("huge settings")
    _sparse(b / "settings.json")
    cases.append(Case(kind, "a 1 GiB settings.json", redraw(b), "larger than the limit of 16 MiB", _absent(never)))
    side = pth("huge-sidecar")
    _sparse(side.with_suffix(".json"))
    cases.append(Case(kind, "a 1 GiB .pth sidecar", probe(photo, str(side)), "larger than the limit of 64 KiB"))
    captions = _sparse(folder / "huge-captions.json", 2 * SPARSE)
    cases.append(Case(kind, "a 2 GiB COCO captions file", coco(captions), "larger than the limit of 512 MiB"))
    target, argv = resumable("huge state")
    _sparse(target.with_name("m.train-state.safetensors"), 16 * SPARSE)
    cases.append(Case(kind, "a 16 GiB .train-state.safetensors", argv, "larger than the limit"))
    out_dir, argv = resume_batch("zero run")
    os.symlink("/dev/zero", out_dir / "run.json")
    cases.append(Case(kind, "run.json linked to /dev/zero", argv, "is a device"))
    b = bundle("zip bomb")
    _zip_bomb(b / "record.npz", 3 * SPARSE // 2)
    cases.append(Case(kind, "a record.npz inflating to 1.5 GiB", redraw(b), "over the limit of 1 GiB", _absent(never)))
    b = bundle("lying npz")
    claim = io.BytesIO()
    np.lib.format.write_array_header_1_0(claim, {"descr": "<f4", "fortran_order": False, "shape": (100_000, 100_000)})
    with zipfile.ZipFile(b / "record.npz", "a") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the second grid.npy is the point
        zf.writestr("grid.npy", claim.getvalue() + bytes(1000))
    cases.append(Case(kind, "an npz array header claiming 37 GiB", redraw(b), "claims 37.3 GiB", _absent(never)))
    cases.append(Case(kind, "eval --scenes 10^12", ["eval", "--model", model, "--scenes", str(10**12), "--device", "cpu"],
                      "--scenes must be between 1 and"))

    # 3. special files where the earlier rounds did not look
    kind = "special files 3"
    out_dir, argv = resume_batch("fifo run")
    os.mkfifo(out_dir / "run.json")
    cases.append(Case(kind, "run.json a FIFO on --resume", argv, "named pipe"))
    b = bundle("fifo settings")
    (b / "settings.json").unlink()
    os.mkfifo(b / "settings.json")
    cases.append(Case(kind, "a bundle's settings.json a FIFO", redraw(b), "named pipe", _absent(never)))
    side = pth("fifo-sidecar")
    os.mkfifo(side.with_suffix(".json"))
    cases.append(Case(kind, "a .pth sidecar a FIFO", probe(photo, str(side)), "named pipe"))
    captions = folder / "fifo-captions.json"
    os.mkfifo(captions)
    cases.append(Case(kind, "COCO captions a FIFO", coco(captions), "named pipe"))
    target, argv = resumable("fifo state")
    state_json(target).unlink()
    os.mkfifo(state_json(target))
    cases.append(Case(kind, "a .train-state.json a FIFO", argv, "named pipe"))
    b = bundle("fifo figure data")
    (b / "record.npz").unlink()
    os.mkfifo(b / "record.npz")
    cases.append(Case(kind, "a bundle's record.npz a FIFO", redraw(b), "named pipe", _absent(never)))

    # 4. stored values of the wrong type
    kind = "typed values"
    for name, change, expect in (
        ("view a list", {"view": ["overlay"]}, "setting view must be"),
        ('layer "top"', {"layer": "top"}, "setting layer must be a whole number"),
        ("layer 1e999", {"layer": float("inf")}, "setting layer must be a whole number"),
        ("token an object", {"token": {"word": "red"}}, "setting token must be"),
        ('dpi "lots"', {"dpi": "lots"}, "setting dpi must be a whole number"),
        ("levels text", {"levels": "hot"}, "setting levels must be"),
        ("opacity true", {"opacity": True}, "setting opacity must be"),
        ("model a number", {"model": 3}, "field model must be text"),
        ("record outside the bundle", {"record": "../../outside.npz"}, "must name a file inside the bundle"),
    ):
        b = _rewrite_settings(bundle(name), **change)
        cases.append(Case(kind, f"bundle: {name}", redraw(b), expect, _absent(never)))
    b = bundle("lone surrogate caption")
    text = (b / "settings.json").read_text().replace('"text": "a red circle"', '"text": "a \\ud800 circle"')
    (b / "settings.json").write_text(text)
    cases.append(Case(kind, "bundle: a caption with a lone surrogate, --rerun", redraw(b, ["--rerun"]),
                      "lone surrogate", _absent(never)))
    b = _rewrite_record(bundle("huge grid"), grid=np.array([10**6, 10**6]))
    cases.append(Case(kind, "bundle: a record grid of 10^6 x 10^6", redraw(b), "grid must be two sides", _absent(never)))
    for name, change, expect in (
        ('step "40"', {"step": "40"}, "field step must be"),
        ("cuda_states 10^9", {"cuda_states": 10**9}, "field cuda_states must be"),
        ("scalars a list", {"scalars": [1, 2]}, "field scalars must be"),
        ('lr "fast"', "lr", "field param_groups[0].lr must be"),
        ("param_groups empty", {"param_groups": []}, "field param_groups must be"),
    ):
        target, argv = resumable(f"typed {name}")
        data = json.loads(state_json(target).read_text())
        if change == "lr":
            data["param_groups"][0]["lr"] = "fast"
        else:
            data.update(change)
        state_json(target).write_text(json.dumps(data))  # the checksum names the tensors, which are untouched
        cases.append(Case(kind, f"training state: {name}", argv, expect))
    import torch

    path = pth("flat-positions")
    state = torch.load(path, weights_only=True)
    state["encoder.pos_embedding"] = state["encoder.pos_embedding"].reshape(-1)
    torch.save(state, path)
    path.with_suffix(".json").write_text('{"num_heads": 2}')
    cases.append(Case(kind, "torchvision: a 1-D position embedding", probe(photo, str(path)), "encoder.pos_embedding has shape"))

    # 5. outputs as a whole: a full disk mid-bundle and mid-training, a held --out
    kind = "whole outputs"
    old = bundle("old bundle on a full disk")
    full = folder / "full"
    full.mkdir()
    argv = ["export", "--model", model, "--image", str(photo), "--text", "a blue square", "--out",
            str(full / "new.png"), "--bundle", str(old), "--force", "--device", "cpu", "--dpi", "50"]

    # the figure (written first, to --out) and the bundle's figure fit; the record does not
    cases.append(Case(kind, "export --bundle --force over a bundle on a full disk", argv, "disk is full",
                      _unchanged_tree(old), [_full_after(2)]))
    target, argv = resumable("full disk at a checkpoint")
    before = {p.name: p.read_bytes() for p in target.parent.iterdir()}
    argv = [a if a != "2" else "4" for a in argv[:-1]]  # the same run, longer, not resumed: checkpoints at 2 and 4
    argv = [*argv, "--force"]

    def pair_kept():
        after = {p.name: p.read_bytes() for p in target.parent.iterdir()}
        if after != before:
            return f"the checkpoint and training state changed: {sorted(k for k in after if after.get(k) != before.get(k))}"
        return None
    # the weights fit, the training state does not
    cases.append(Case(kind, "train on a full disk: weights and state kept as one pair", argv, "disk is full", pair_kept,
                      [_full_after(1)]))
    held = folder / "held.npz"
    cases.append(Case(kind, "probe --out held by another probe", probe(photo, out=held), "being written by another run",
                      _absent(held), [_held_lock(held)]))
    return cases
