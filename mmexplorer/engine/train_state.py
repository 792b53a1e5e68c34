"""The state a run needs to continue where it stopped: optimiser moments and random streams.

Saved beside the checkpoint at every checkpoint step, as NAME.train-state.safetensors
(tensors: AdamW's moments and step counts, the torch random states) and
NAME.train-state.json (the settings, the step, the optimiser's hyper-parameters
and the SHA-256 of the tensor file, written last, so a pair from two different
steps is refused). Never pickle. The learning-rate schedule is a pure function
of the step and the scenes are drawn by index, so nothing else is needed for a
resumed run to continue exactly as an uninterrupted one.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch

from mmexplorer.data.files import atomic_write_bytes, atomic_write_text

FORMAT = "mmexplorer-train-state-1"


class ResumeError(ValueError):
    """The run cannot be resumed from what is on disk; the message says why."""


def state_paths(out: str | Path) -> tuple[Path, Path]:
    out = Path(out)
    stem = out.with_suffix("")
    return stem.with_name(stem.name + ".train-state.safetensors"), stem.with_name(stem.name + ".train-state.json")


def save_train_state(out: Path, optimiser: torch.optim.Optimizer, random, generator: torch.Generator,
                     settings: dict, step: int) -> None:
    from safetensors.torch import save

    tensors, scalars = {}, {}
    opt = optimiser.state_dict()
    for index, entry in opt["state"].items():
        for key, value in entry.items():
            if isinstance(value, torch.Tensor):
                tensors[f"opt.{index}.{key}"] = value.detach().cpu().contiguous()
            else:
                scalars[f"{index}.{key}"] = value
    cpu, cuda = random.get_state()
    tensors["rng.cpu"] = cpu
    for i, state in enumerate(cuda):
        tensors[f"rng.cuda.{i}"] = state
    tensors["rng.generator"] = generator.get_state()
    blob = save(tensors, metadata={"format": FORMAT})
    tensor_path, json_path = state_paths(out)
    atomic_write_bytes(tensor_path, blob)
    groups = [{k: v for k, v in g.items()} for g in opt["param_groups"]]
    atomic_write_text(json_path, json.dumps({
        "format": FORMAT, "step": int(step), "settings": settings, "param_groups": groups,
        "scalars": scalars, "cuda_states": len(cuda), "sha256": hashlib.sha256(blob).hexdigest(),
    }, indent=1))


def load_train_state(out: Path, optimiser: torch.optim.Optimizer, random, generator: torch.Generator,
                     settings: dict) -> int:
    """Restore the optimiser and random streams saved for `out`; -> the step they were saved at."""
    from safetensors.torch import load

    from mmexplorer.data.files import read_regular_file

    tensor_path, json_path = state_paths(out)
    try:
        meta = json.loads(read_regular_file(json_path, 1 << 24, ResumeError, str(json_path)).decode("utf-8"))
        blob = read_regular_file(tensor_path, 1 << 34, ResumeError, str(tensor_path))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResumeError(f"cannot resume {out}: its training state is unreadable ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ResumeError(f"{json_path} is not a training state of this version")
    if hashlib.sha256(blob).hexdigest() != meta.get("sha256"):
        raise ResumeError(f"{tensor_path} does not belong to {json_path} (written at different steps)")
    if meta.get("settings") != settings:
        changed = sorted(k for k in set(settings) | set(meta.get("settings") or {})
                         if (meta.get("settings") or {}).get(k) != settings.get(k))
        raise ResumeError(f"cannot resume {out}: the settings differ from the interrupted run's ({', '.join(changed)})")
    tensors = load(blob)
    state: dict = {}
    for key, value in tensors.items():
        if key.startswith("opt."):
            _, index, name = key.split(".", 2)
            state.setdefault(int(index), {})[name] = value
    for key, value in meta["scalars"].items():
        index, name = key.split(".", 1)
        state.setdefault(int(index), {})[name] = value
    optimiser.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
    random.set_state(tensors["rng.cpu"], [tensors[f"rng.cuda.{i}"] for i in range(int(meta["cuda_states"]))])
    generator.set_state(tensors["rng.generator"])
    return int(meta["step"])
