"""Hostile command lines, built on the fly in a folder (nothing is downloaded), and a runner for them.

Each Case is a command line for `mmexplorer.cli.main` with what it must end in:
exit 2, exactly one `error:` line on stderr holding `expect`, no traceback, and
`check()` (when given) returning None (e.g. "no partial file was left").
`patches` are context managers applied around the run (a full disk, a
read-only folder, memory that is short, a lock another run holds).

    python tests/hostile_report.py      # every case, counted per class
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import signal
import socket
import struct
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import numpy as np
from PIL import Image

TINY = dict(image_size=32, patch_size=16, width=32, depth=1, unimodal_depth=1, heads=2)
CASE_TIMEOUT_S = 120  # a hang is a failed case, not a stuck test run


@dataclass
class Case:
    kind: str  # the class of hostile input
    name: str
    argv: list[str]
    expect: str  # a fragment of the one error line
    check: Optional[Callable[[], Optional[str]]] = None  # -> a problem, or None
    patches: list[Callable[[], contextlib.AbstractContextManager]] = field(default_factory=list)


@dataclass
class Outcome:
    case: Case
    code: Optional[int]
    stderr: str
    problem: Optional[str]  # None when handled

    @property
    def handled(self) -> bool:
        return self.problem is None


# -- building blocks -----------------------------------------------------------------

def picture(path: Path, w: int = 40, h: int = 30) -> Path:
    yy, xx = np.mgrid[0:h, 0:w]
    Image.fromarray(np.stack([xx * 6, yy * 8, (xx ^ yy) & 255], -1).astype(np.uint8)).save(path)
    return path


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header is rewritten to claim width x height: its data ends at once."""
    buf = io.BytesIO()
    Image.fromarray(np.full((8, 8, 3), 128, np.uint8)).save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def tiny_checkpoint(path: Path, fusion: str = "early", config_changes: Optional[dict] = None, raw_config=None,
                    poison: Optional[float] = None) -> Path:
    """A checkpoint of a tiny model whose header config (or one weight) is then made hostile."""
    import torch
    from safetensors.torch import save_file

    from mmexplorer.config import load_variant
    from mmexplorer.models import build_model
    from mmexplorer.models.checkpoint import FORMAT

    torch.manual_seed(0)
    model = build_model(load_variant(fusion).replace(name=path.stem, **TINY))
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    if poison is not None:
        key = next(k for k, v in state.items() if v.is_floating_point() and v.ndim == 2)
        state[key] = state[key].clone()
        state[key][0, 0] = poison
    config = model.cfg.to_dict()
    config.update(config_changes or {})
    text = raw_config if raw_config is not None else json.dumps(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(state, str(path), metadata={"format": FORMAT, "config": text, "extra": "{}"})
    return path


def _write_patch(limit_bytes: int = 1000):
    """A disk that fills up: any os.write of more than `limit_bytes` fails with ENOSPC."""
    @contextlib.contextmanager
    def patch():
        real = os.write

        def full(fd, data):
            if len(data) > limit_bytes:
                raise OSError(errno.ENOSPC, "No space left on device")
            return real(fd, data)

        os.write = full
        try:
            yield
        finally:
            os.write = real
    return patch


def _read_only(folder: Path, code: int = errno.EROFS):
    """Nothing can be created in `folder` (as on a read-only mount; chmod does not stop root)."""
    @contextlib.contextmanager
    def patch():
        real = tempfile.mkstemp

        def refuse(*args, dir=None, **kwargs):
            if dir is not None and Path(dir).resolve() == folder.resolve():
                raise OSError(code, os.strerror(code))
            return real(*args, dir=dir, **kwargs)

        tempfile.mkstemp = refuse
        try:
            yield
        finally:
            tempfile.mkstemp = real
    return patch


def _little_free_space(free: int = 10_000):
    @contextlib.contextmanager
    def patch():
        import shutil

        real = shutil.disk_usage
        shutil.disk_usage = lambda p: real(p)._replace(free=free)
        try:
            yield
        finally:
            shutil.disk_usage = real
    return patch


def _short_memory(available: int = 100 * 1024 * 1024):
    @contextlib.contextmanager
    def patch():
        import mmexplorer.models.budget as budget

        real = budget.available_memory
        budget.available_memory = lambda: available
        try:
            yield
        finally:
            budget.available_memory = real
    return patch


def _image_limit(limit: int):
    @contextlib.contextmanager
    def patch():
        import mmexplorer.data.image as image

        real = image.MAX_FILE_BYTES
        image.MAX_FILE_BYTES = limit
        try:
            yield
        finally:
            image.MAX_FILE_BYTES = real
    return patch


def _held_lock(out: Path):
    @contextlib.contextmanager
    def patch():
        from mmexplorer.output_lock import output_lock

        with output_lock(out):  # as another training writing the same --out would
            yield
    return patch


def _nan_loss_from(step: int):
    """The loss turns NaN from the given step on (1-based), as a diverging run's would."""
    @contextlib.contextmanager
    def patch():
        import mmexplorer.engine.train as train

        real = train.compute_losses
        calls = {"n": 0}

        def losses(*args, **kwargs):
            calls["n"] += 1
            out = real(*args, **kwargs)
            if calls["n"] >= step:
                out = dict(out, loss=out["loss"] * float("nan"))
            return out

        train.compute_losses = losses
        try:
            yield
        finally:
            train.compute_losses = real
    return patch


def _imports_fail():
    """Every import fails with MemoryError once the command has started failing (the handler must not import)."""
    @contextlib.contextmanager
    def patch():
        import builtins

        import mmexplorer.cli.models_cmd as models_cmd

        real_run, real_import = models_cmd.run, builtins.__import__

        def failing_run(args):
            from mmexplorer.data.image import ImageError

            def no_imports(*a, **k):
                raise MemoryError("no memory left to import anything")

            builtins.__import__ = no_imports
            raise ImageError("picture.png is not an image Pillow can read")

        models_cmd.run = failing_run
        try:
            yield
        finally:
            builtins.__import__ = real_import
            models_cmd.run = real_run
    return patch


def _absent(*paths: Path) -> Callable[[], Optional[str]]:
    def check():
        left = [str(p) for p in paths if os.path.lexists(p)]
        return f"left behind: {', '.join(left)}" if left else None
    return check


def _only(folder: Path, names: set[str]) -> Callable[[], Optional[str]]:
    """Nothing but `names` in `folder` (no temp files, no partial outputs)."""
    def check():
        extra = sorted(p.name for p in folder.iterdir() if p.name not in names)
        return f"left behind in {folder}: {extra}" if extra else None
    return check


def _unchanged(path: Path) -> Callable[[], Optional[str]]:
    before = path.read_bytes()
    return lambda: None if path.read_bytes() == before else f"{path} was overwritten"


# -- the cases ---------------------------------------------------------------------

def special_files(folder: Path) -> dict[str, Path]:
    """Paths that are not regular files: a FIFO, devices, links that loop or dangle, a socket, a folder."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "fifo": folder / "pipe.png",
        "dev zero link": folder / "zero.png",
        "symlink loop": folder / "loop-a.png",
        "dangling symlink": folder / "gone.png",
        "socket": folder / "socket.png",
        "folder": folder / "folder.png",
    }
    os.mkfifo(paths["fifo"])
    os.symlink("/dev/zero", paths["dev zero link"])
    os.symlink(folder / "loop-b.png", paths["symlink loop"])
    os.symlink(paths["symlink loop"], folder / "loop-b.png")
    os.symlink(folder / "nothing-here.png", paths["dangling symlink"])
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(paths["socket"]))
    sock.close()
    paths["folder"].mkdir()
    return paths


SPECIAL_EXPECT = {
    "fifo": "named pipe",
    "dev zero link": "is a device",
    "symlink loop": "symbolic link loop",
    "dangling symlink": "broken symbolic link",
    "socket": "socket",
    "folder": "is a folder",
}


def build(folder: Path, home: Path, hf: bool = True, third: bool = True) -> list[Case]:
    """Every case, its files made under `folder`; `home` is MMEXPLORER_HOME (holding the tiny model)."""
    folder.mkdir(parents=True, exist_ok=True)
    photo = picture(folder / "photo.png")
    model = str(tiny_checkpoint(home / "models" / "tiny-early.safetensors"))
    cases: list[Case] = []

    def probe(image, out=None, model_arg=model, extra=()):
        return ["probe", "--model", model_arg, "--image", str(image), "--text", "a red circle",
                "--out", str(out or folder / "never.npz"), "--device", "cpu", "--no-relevancy", *extra]

    # 1. special files, as the image, the model and an HF folder's config.json
    special = special_files(folder / "special")
    for name, path in special.items():
        cases.append(Case("special files", f"image: {name}", probe(path), SPECIAL_EXPECT[name], _absent(folder / "never.npz")))
    cases.append(Case("special files", "image: /dev/zero", probe("/dev/zero"), "is a device"))
    cases.append(Case("special files", "image: /dev/null", probe("/dev/null"), "is a device"))
    big = folder / "big.png"
    big.write_bytes(os.urandom(2 * 1024 * 1024 + 10))
    cases.append(Case("special files", "image over the size limit (st_size not trusted)", probe(big),
                      "larger than the limit of 1 MiB", patches=[_image_limit(1024 * 1024)]))
    models = folder / "special-models"
    models.mkdir()
    os.mkfifo(models / "fifo.safetensors")
    os.symlink("/dev/zero", models / "zero.safetensors")
    os.symlink(models / "loop-b.safetensors", models / "loop-a.safetensors")
    os.symlink(models / "loop-a.safetensors", models / "loop-b.safetensors")
    for name, file in (("fifo", "fifo"), ("dev zero link", "zero"), ("symlink loop", "loop-a")):
        cases.append(Case("special files", f"model: {name}", probe(photo, model_arg=str(models / f"{file}.safetensors")),
                          SPECIAL_EXPECT[name]))
    hf_fifo = folder / "special" / "hf-fifo"
    hf_fifo.mkdir()
    os.mkfifo(hf_fifo / "config.json")
    cases.append(Case("special files", "HF folder whose config.json is a FIFO", probe(photo, model_arg=str(hf_fifo)), "named pipe"))
    cases.append(Case("special files", "export --image FIFO",
                      ["export", "--model", model, "--image", str(special["fifo"]), "--text", "a", "--out", str(folder / "never.png")],
                      "named pipe", _absent(folder / "never.png")))

    # 2. checkpoint configs that must be refused before anything is built
    configs = folder / "configs"
    hostile_configs = {
        "width 10^6": ({"width": 10**6}, "width"),
        "depth 10^4": ({"depth": 10**4}, "depth"),
        "max_text_len 10^9": ({"max_text_len": 10**9}, "max_text_len"),
        "float width": ({"width": 32.5}, "width must be an integer"),
        "negative mlp_ratio": ({"mlp_ratio": -2.0}, "mlp_ratio"),
        "string mlp_ratio": ({"mlp_ratio": "2"}, "mlp_ratio must be a number"),
        "vocabulary not a list": ({"vocab": "red blue"}, "vocab must be a list"),
        "vocabulary of numbers": ({"vocab": [1, 2, 3]}, "vocab must be a list of strings"),
        "objectives a string": ({"objectives": "itm"}, "objectives must be an object"),
        "negative heads": ({"heads": -2}, "heads"),
        "patch_size 0": ({"patch_size": 0}, "patch_size"),
        "dropout 2": ({"dropout": 2.0}, "dropout"),
        "unknown task": ({"tasks": ["itm", "dance"]}, "unknown task"),
        "boolean depth": ({"depth": True}, "depth must be an integer"),
        "null name": ({"name": None}, "name must be a string"),
        "unknown field": ({"colour": "red"}, "unknown config field"),
        "too many parameters": ({"width": 8192, "depth": 256, "heads": 8}, "billion parameters"),
    }
    for name, (changes, expect) in hostile_configs.items():
        path = tiny_checkpoint(configs / f"{name.replace(' ', '-')}.safetensors", config_changes=changes)
        cases.append(Case("checkpoint configs", name, probe(photo, model_arg=str(path)), expect))
    path = tiny_checkpoint(configs / "more-than-memory.safetensors", config_changes={"width": 1024, "depth": 16, "heads": 8})
    cases.append(Case("checkpoint configs", "larger than the free memory", probe(photo, model_arg=str(path)),
                      "of memory available", patches=[_short_memory()]))
    for name, raw in (("config not JSON", "{width: 3"), ("config a list", "[1, 2]")):
        path = tiny_checkpoint(configs / f"{name.replace(' ', '-')}.safetensors", raw_config=raw)
        cases.append(Case("checkpoint configs", name, probe(photo, model_arg=str(path)), "bad config"))
    for name, value in (("NaN weights", float("nan")), ("infinite weights", float("inf"))):
        path = tiny_checkpoint(configs / f"{name.replace(' ', '-')}.safetensors", poison=value)
        cases.append(Case("checkpoint configs", name, probe(photo, model_arg=str(path)), "NaN or infinite"))
    cases.extend(_torchvision_cases(folder / "torchvision", photo, probe))

    # 3. Hugging Face folders
    if hf:
        cases.extend(_hf_cases(folder / "hf", photo, probe))

    # 4. write errors and overwrites
    cases.extend(_write_cases(folder / "writes", photo, model, probe))

    # 5. training arguments and runs
    cases.extend(_training_cases(folder / "train"))

    # 6. the error path
    cases.append(Case("error path", "imports fail while reporting an error", ["models"], "not an image Pillow can read",
                      patches=[_imports_fail()]))

    # 7. messages that used to be unclear
    jpeg = folder / "claims-8000x8000.jpg"
    jpeg.write_bytes(jpeg_claiming(8000, 8000))
    cases.append(Case("unclear messages", "JPEG header claims 8000x8000 with a few hundred bytes", probe(jpeg), "truncated"))
    cases.append(Case("unclear messages", "symlink loop says so", probe(special["symlink loop"]), "symbolic link loop"))
    cases.append(Case("unclear messages", "size limit in MiB", probe(big), "1 MiB", patches=[_image_limit(1024 * 1024)]))

    # 8. the third round: nesting, unbounded reads, special files, typed values, whole outputs (tests/hostile3.py)
    if third:
        import hostile3

        cases.extend(hostile3.build(folder / "third", home, model, photo, hf=hf))
    return cases


def _torchvision_cases(folder: Path, photo: Path, probe) -> list[Case]:
    import torch
    from torchvision.models.vision_transformer import VisionTransformer

    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    state = VisionTransformer(image_size=32, patch_size=16, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64,
                              num_classes=10).state_dict()
    cases = []

    def save(name: str, tensors: dict) -> str:
        path = folder / f"{name}.pth"
        torch.save(tensors, path)
        (folder / f"{name}.json").write_text(json.dumps({"num_heads": 2}))
        return str(path)

    layer1 = {k.replace("encoder_layer_1.", "encoder_layer_1999."): v for k, v in state.items()}
    cases.append(Case("checkpoint configs", "torchvision: one key encoder_layer_1999",
                      probe(photo, model_arg=save("layer-1999", layer1)), "the limit is 256"))
    gap = {k.replace("encoder_layer_1.", "encoder_layer_5."): v for k, v in state.items()}
    cases.append(Case("checkpoint configs", "torchvision: layers 0 and 5 only",
                      probe(photo, model_arg=save("layer-gap", gap)), "encoder layer 1 is missing"))
    wide = dict(state)
    wide["conv_proj.weight"] = torch.zeros(100_000, 3, 1, 1)
    cases.append(Case("checkpoint configs", "torchvision: width 100000 from the shapes",
                      probe(photo, model_arg=save("wide", wide)), "width of 100000"))
    return cases


def tiny_vit_folder(folder: Path) -> Path:
    import torch
    import transformers as tf

    tf.utils.logging.disable_progress_bar()  # no tqdm bar, and no tqdm monitor thread left running
    torch.manual_seed(0)
    config = tf.ViTConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                          image_size=32, patch_size=8, num_labels=3)
    tf.ViTForImageClassification(config).save_pretrained(str(folder))
    tf.ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(str(folder))
    return folder


def _hf_cases(folder: Path, photo: Path, probe) -> list[Case]:
    import shutil

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    base = tiny_vit_folder(folder / "base")
    changes = {
        "architectures a string": ({"architectures": "ViTForImageClassification"}, "architectures must be a list"),
        "model_type a number": ({"model_type": 3}, "model_type must be a string"),
        "patch_size 0": ({"patch_size": 0}, "patch_size is 0"),
        "negative heads": ({"num_attention_heads": -4}, "num_attention_heads is -4"),
        "100000 layers": ({"num_hidden_layers": 100_000}, "num_hidden_layers is 100000"),
        "hidden size mismatching the weights": ({"hidden_size": 64}, "hidden_size is 64 but the weights"),
        "layer count mismatching the weights": ({"num_hidden_layers": 3}, "weights hold 2 encoder layers"),
        "float hidden size": ({"hidden_size": 32.0}, "hidden_size must be an integer"),
        "vision_config a string": ({"vision_config": "big"}, "vision_config must be an object"),
    }
    cases = []
    for name, (change, expect) in changes.items():
        target = folder / name.replace(" ", "-")
        shutil.copytree(base, target)
        data = json.loads((target / "config.json").read_text())
        data.update(change)
        (target / "config.json").write_text(json.dumps(data))
        cases.append(Case("Hugging Face folders", name, probe(photo, model_arg=str(target)), expect))
    fifo_processor = folder / "processor-config-a-fifo"
    shutil.copytree(base, fifo_processor)
    (fifo_processor / "preprocessor_config.json").unlink()
    os.mkfifo(fifo_processor / "preprocessor_config.json")
    cases.append(Case("special files", "HF folder whose preprocessor_config.json is a FIFO",
                      probe(photo, model_arg=str(fifo_processor)), "preprocessor_config.json is a named pipe"))
    not_object = folder / "config-a-list"
    shutil.copytree(base, not_object)
    (not_object / "config.json").write_text("[1, 2]")
    cases.append(Case("Hugging Face folders", "config.json a list", probe(photo, model_arg=str(not_object)), "not a model config"))
    pickled = folder / "pickled-weights"
    shutil.copytree(base, pickled)
    (pickled / "model.safetensors").unlink()
    from corpus import write_code_running_pickle

    marker = folder / "created-by-pickle.txt"
    write_code_running_pickle(pickled / "pytorch_model.bin", marker)
    cases.append(Case("Hugging Face folders", "pickled pytorch_model.bin", probe(photo, model_arg=str(pickled)),
                      "pytorch_model.bin (a pickle", _absent(marker)))
    return cases


def _write_cases(folder: Path, photo: Path, model: str, probe) -> list[Case]:
    folder.mkdir(parents=True, exist_ok=True)
    cases = []
    a_file = folder / "a-file"
    a_file.write_text("not a folder")
    read_only = folder / "read-only"
    read_only.mkdir()
    full = folder / "full"
    full.mkdir()
    existing = folder / "existing.npz"
    existing.write_bytes(b"an earlier result")
    a_dir = folder / "a-folder.npz"
    a_dir.mkdir()
    a_dir_png = folder / "a-folder.png"
    a_dir_png.mkdir()

    def export(out, extra=()):
        return ["export", "--model", model, "--image", str(photo), "--text", "a red circle", "--view", "overlay",
                "--out", str(out), "--device", "cpu", "--dpi", "50", *extra]

    cases += [
        Case("write errors", "probe into a read-only folder", probe(photo, read_only / "p.npz"), "read-only",
             _only(read_only, set()), [_read_only(read_only)]),
        Case("write errors", "probe into a folder without permission", probe(photo, read_only / "p.npz"), "permission denied",
             _only(read_only, set()), [_read_only(read_only, errno.EACCES)]),
        Case("write errors", "probe under a path whose parent is a file", probe(photo, a_file / "p.npz"), "is a file, not a folder"),
        Case("write errors", "probe onto a folder", probe(photo, a_dir), "is a folder"),
        Case("write errors", "probe on a full disk", probe(photo, full / "p.npz"), "disk is full", _only(full, set()), [_write_patch()]),
        Case("write errors", "probe onto an existing file", probe(photo, existing), "--force", _unchanged(existing)),
        Case("write errors", "export into a read-only folder", export(read_only / "f.png"), "read-only",
             _only(read_only, set()), [_read_only(read_only)]),
        Case("write errors", "export under a path whose parent is a file", export(a_file / "f.png"), "is a file, not a folder"),
        Case("write errors", "export onto a folder", export(a_dir_png), "is a folder"),
        Case("write errors", "export on a full disk", export(full / "f.png"), "disk is full", _only(full, set()), [_write_patch()]),
        Case("write errors", "bundle on a full disk (no 0-byte input.png)",
             export(full / "g.png", ["--bundle", str(full / "bundle")]), "disk is full", _only(full, set()), [_write_patch(200)]),
        Case("write errors", "bundle under a file", export(folder / "h.png", ["--bundle", str(a_file / "b")]), "is a file, not a folder",
             _absent(folder / "h.png")),
    ]
    figure = folder / "existing.png"
    figure.write_bytes(b"an earlier figure")
    cases.append(Case("write errors", "export onto an existing figure", export(figure), "--force", _unchanged(figure)))
    train_out = folder / "t.safetensors"
    a_dir_model = folder / "dir.safetensors"
    a_dir_model.mkdir()
    base = ["train", "--fusion", "early", "--steps", "2", "--batch-size", "2", "--threads", "1", "--quiet", "--device", "cpu"]
    cases += [
        Case("write errors", "train into a read-only folder", [*base, "--out", str(read_only / "m.safetensors")], "read-only",
             _only(read_only, set()), [_read_only(read_only)]),
        Case("write errors", "train under a path whose parent is a file", [*base, "--out", str(a_file / "m.safetensors")],
             "is a file, not a folder"),
        Case("write errors", "train onto a folder", [*base, "--out", str(a_dir_model)], "is a folder"),
        Case("write errors", "train with no room for a checkpoint: refused before step 1", [*base, "--out", str(train_out)],
             "not enough free space", _absent(train_out), [_little_free_space()]),
        Case("write errors", "train on a disk that fills at the first checkpoint", [*base, "--out", str(full / "m.safetensors")],
             "disk is full", _only(full, set()), [_write_patch()]),
        Case("write errors", "a second training to the same --out", [*base, "--out", str(train_out)],
             "being written by another run", _absent(train_out), [_held_lock(train_out)]),
    ]
    shot = folder / "shot.png"
    shot.write_bytes(b"an earlier screenshot")
    cases.append(Case("write errors", "gui --screenshot onto an existing file", ["gui", "--screenshot", str(shot)], "--force",
                      _unchanged(shot)))
    return cases


def _training_cases(folder: Path) -> list[Case]:
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "m.safetensors"
    base = ["train", "--fusion", "early", "--quiet", "--device", "cpu", "--out", str(out)]
    bad = {
        "--seed -1": (["--seed", "-1"], "--seed"),
        "--seed 2^70": (["--seed", str(2**70)], "--seed"),
        "--seed 2^63": (["--seed", str(2**63)], "--seed"),
        "--batch-size 100000": (["--batch-size", "100000"], "--batch-size"),
        "--batch-size 0": (["--batch-size", "0"], "--batch-size"),
        "--threads 100000": (["--threads", "100000"], "--threads"),
        "--threads 0": (["--threads", "0"], "--threads"),
        "--lr inf": (["--lr", "inf"], "--lr"),
        "--lr nan": (["--lr", "nan"], "--lr"),
        "--lr 0": (["--lr", "0"], "--lr"),
        "--lr -1": (["--lr", "-1"], "--lr"),
        "--steps 10^12": (["--steps", str(10**12)], "--steps"),
    }
    cases = [Case("training arguments", name, [*base, *extra], expect, _absent(out)) for name, (extra, expect) in bad.items()]
    diverging = folder / "diverging.safetensors"

    def kept_finite() -> Optional[str]:
        from mmexplorer.models.checkpoint import read_checkpoint

        if not diverging.exists():
            return "the last finite checkpoint was not kept"
        _, _, extra = read_checkpoint(diverging)  # refuses non-finite weights
        return None if extra.get("steps_done") == 2 else f"kept the checkpoint of step {extra.get('steps_done')}, not 2"

    cases.append(Case("training arguments", "the loss turns NaN at step 3",
                      ["train", "--fusion", "early", "--quiet", "--device", "cpu", "--steps", "10", "--batch-size", "2",
                       "--threads", "1", "--out", str(diverging)],
                      "the last finite checkpoint (step 2)", kept_finite, [_nan_loss_from(3)]))
    return cases


# -- running --------------------------------------------------------------------------

class _Hang(BaseException):  # not an Exception: code under test must not swallow it
    pass


def run(case: Case) -> Outcome:
    """The case through mmexplorer.cli.main, in this process, with its patches applied."""
    from contextlib import redirect_stderr, redirect_stdout

    from mmexplorer.cli import main

    err, out = io.StringIO(), io.StringIO()

    def hang(*_):
        raise _Hang()

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(CASE_TIMEOUT_S)
    code = None
    try:
        with contextlib.ExitStack() as stack:
            for patch in case.patches:
                stack.enter_context(patch())
            with redirect_stderr(err), redirect_stdout(out):
                code = main(case.argv)
    except _Hang:
        return Outcome(case, None, err.getvalue(), f"no answer after {CASE_TIMEOUT_S} s (a hang)")
    except BaseException as exc:  # anything escaping main is a failure of the case
        return Outcome(case, None, err.getvalue(), f"escaped main: {type(exc).__name__}: {exc}")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    text = err.getvalue()
    lines = text.strip().splitlines()
    problem = None
    if "Traceback" in text:
        problem = "a traceback"
    elif code != 2:
        problem = f"exit {code}"
    elif len(lines) != 1 or not lines[0].startswith("error: "):
        problem = f"{len(lines)} stderr lines, not one error: line"
    elif case.expect not in lines[0]:
        problem = f"message lacks {case.expect!r}"
    elif case.check is not None:
        problem = case.check()
    return Outcome(case, code, text, problem)
