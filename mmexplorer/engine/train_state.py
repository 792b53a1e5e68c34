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

from mmexplorer.data.files import atomic_write_set

FORMAT = "mmexplorer-train-state-1"


class ResumeError(ValueError):
    """The run cannot be resumed from what is on disk; the message says why."""


def state_paths(out: str | Path) -> tuple[Path, Path]:
    out = Path(out)
    stem = out.with_suffix("")
    return stem.with_name(stem.name + ".train-state.safetensors"), stem.with_name(stem.name + ".train-state.json")


def state_limit(optimiser: torch.optim.Optimizer) -> int:
    """The most bytes a state file for this optimiser's parameters can hold: AdamW keeps two moments and a step
    per parameter (three times the weights, in float32 or wider), plus the random states and a header."""
    weights = sum(p.numel() * max(p.element_size(), 4) for g in optimiser.param_groups for p in g["params"])
    return 4 * weights + (64 << 20)


def save_train_state(out: Path, optimiser: torch.optim.Optimizer, random, generator: torch.Generator,
                     settings: dict, step: int) -> None:
    atomic_write_set(train_state_files(out, optimiser, random, generator, settings, step))


def train_state_files(out: Path, optimiser: torch.optim.Optimizer, random, generator: torch.Generator,
                      settings: dict, step: int) -> list[tuple[Path, bytes]]:
    """[(tensor file, bytes), (JSON file, bytes)]: the JSON, which names the tensors' checksum, last."""
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
    groups = [{k: v for k, v in g.items()} for g in opt["param_groups"]]
    text = json.dumps({
        "format": FORMAT, "step": int(step), "settings": settings, "param_groups": groups,
        "scalars": scalars, "cuda_states": len(cuda), "sha256": hashlib.sha256(blob).hexdigest(),
    }, indent=1)
    return [(tensor_path, blob), (json_path, text.encode("utf-8"))]


def load_train_state(out: Path, optimiser: torch.optim.Optimizer, random, generator: torch.Generator,
                     settings: dict) -> int:
    """Restore the optimiser and random streams saved for `out`; -> the step they were saved at."""
    from safetensors.torch import load

    from mmexplorer.data.files import read_json_file, read_regular_file

    tensor_path, json_path = state_paths(out)
    meta = read_json_file(json_path, ResumeError, str(json_path))
    blob = read_regular_file(tensor_path, state_limit(optimiser), ResumeError, str(tensor_path))
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ResumeError(f"{json_path} is not a training state of this version")
    if hashlib.sha256(blob).hexdigest() != meta.get("sha256"):
        raise ResumeError(f"{tensor_path} does not belong to {json_path} (written at different steps)")
    _check_meta_types(json_path, meta, optimiser)
    if meta.get("settings") != settings:
        changed = sorted(k for k in set(settings) | set(meta.get("settings") or {})
                         if (meta.get("settings") or {}).get(k) != settings.get(k))
        raise ResumeError(f"cannot resume {out}: the settings differ from the interrupted run's ({', '.join(changed)})")
    try:  # the checksum ties the pair together; it says nothing of what a hostile pair holds
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
    except (ValueError, KeyError, TypeError, IndexError, RuntimeError) as exc:
        first = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        raise ResumeError(f"cannot resume {out}: its training state does not fit this run ({first})") from None
    return int(meta["step"])


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _same_kind(saved, current) -> bool:
    """A saved hyper-parameter has the type the optimiser's own has (a number for lr, a pair for betas...)."""
    if isinstance(current, bool) or current is None:
        return type(saved) is type(current)
    if _is_number(current):
        return _is_number(saved) and saved == saved and abs(saved) != float("inf")  # finite
    if isinstance(current, (tuple, list)):
        return isinstance(saved, list) and len(saved) == len(current) and all(map(_same_kind, saved, current))
    if isinstance(current, str):
        return isinstance(saved, str)
    return True  # a field this check does not know: load_state_dict judges it


def _check_meta_types(json_path: Path, meta: dict, optimiser: torch.optim.Optimizer) -> None:
    """Every field of a state file has the type and range this run needs, or ResumeError names it."""
    def bad(field: str, what: str) -> ResumeError:
        return ResumeError(f"{json_path}: field {field} must be {what}")

    step = meta.get("step")
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise bad("step", "a whole number of 0 or more")
    cuda = meta.get("cuda_states")
    if isinstance(cuda, bool) or not isinstance(cuda, int) or not 0 <= cuda <= 1024:
        raise bad("cuda_states", "a whole number from 0 to 1024")
    scalars = meta.get("scalars")
    if not isinstance(scalars, dict) or not all(
            isinstance(k, str) and k.split(".", 1)[0].isdigit() and "." in k and _is_number(v) for k, v in scalars.items()):
        raise bad("scalars", 'an object of "INDEX.NAME": number')
    groups = meta.get("param_groups")
    current = optimiser.param_groups
    if not isinstance(groups, list) or len(groups) != len(current) or not all(isinstance(g, dict) for g in groups):
        raise bad("param_groups", f"a list of {len(current)} object(s), as this optimiser has")
    for i, (saved, mine) in enumerate(zip(groups, current)):
        params = saved.get("params")
        if not isinstance(params, list) or len(params) != len(mine["params"]) or not all(
                isinstance(p, int) and not isinstance(p, bool) for p in params):
            raise bad(f"param_groups[{i}].params", f"a list of {len(mine['params'])} parameter indices")
        for key, value in mine.items():
            if key != "params" and key in saved and not _same_kind(saved[key], value):
                raise bad(f"param_groups[{i}].{key}", f"of the type this run's {key} has ({type(value).__name__})")
