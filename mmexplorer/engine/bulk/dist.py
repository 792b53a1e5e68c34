"""Rank, world size, backend and device of a batch probe started by torchrun (or any launcher setting its variables).

The backend: `nccl` when CUDA GPUs are visible, the launcher gives each process
its LOCAL_RANK and the probe runs on a GPU; `gloo` otherwise (CPUs, or a
launcher without local ranks); `--backend` overrides the choice. Each rank
runs on GPU LOCAL_RANK of its node (`--device auto` or `cuda`). The choice is
made by `plan` from the environment and the GPU count alone, so it is tested
without GPUs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping, Optional

import torch

BACKENDS = ("auto", "gloo", "nccl")


class DistError(ValueError):
    """A --backend or --device that cannot work with this launch (the user's input: exit 2)."""


@dataclass(frozen=True)
class Launch:
    """What the launcher's variables say about this process."""

    rank: int  # RANK: among all processes of all nodes
    world: int  # WORLD_SIZE
    local_rank: Optional[int]  # LOCAL_RANK: among the processes of this node (None: the launcher gives none)
    local_world: Optional[int]  # LOCAL_WORLD_SIZE: processes on this node


def _int(env: Mapping[str, str], name: str) -> Optional[int]:
    value = env.get(name, "")
    try:
        return int(value) if value != "" else None
    except ValueError:
        raise DistError(f"the launcher set {name}={value!r}, which is not a number") from None


def launch_from(env: Mapping[str, str]) -> Optional[Launch]:
    """The launch, or None for a single process (WORLD_SIZE unset or 1, or no RANK)."""
    world = _int(env, "WORLD_SIZE") or 1
    rank = _int(env, "RANK")
    if world <= 1 or rank is None:
        return None
    return Launch(rank, world, _int(env, "LOCAL_RANK"), _int(env, "LOCAL_WORLD_SIZE"))


def node_processes(launch: Launch) -> int:
    """How many processes the launcher started on this node (LOCAL_WORLD_SIZE; else at least this one's rank + 1)."""
    return launch.local_world or (launch.local_rank or 0) + 1


def sharing_note(launch: Launch, backend: str, device: str, gpus: int) -> str | None:
    """The line a node's first rank prints when its ranks share GPUs (gloo), else None."""
    device = (device or "auto").lower()
    if backend != "gloo" or not gpus or launch.local_rank is None or device not in ("auto", "cuda"):
        return None
    node = node_processes(launch)
    return (f"note: {node} processes share {gpus} GPU(s) on this node (--backend gloo): rank r of the node runs on "
            f"cuda:(r mod {gpus})") if node > gpus else None


def plan(launch: Launch, backend: str, device: str, gpus: int) -> tuple[str, Optional[int]]:
    """-> (the backend, this rank's GPU index or None), for `gpus` visible CUDA devices.

    `device` is the probe's --device: "auto" and "cuda" mean this rank's own GPU
    (cuda:LOCAL_RANK); an explicit "cuda:N" is used as given (with nccl only for
    one process per node); "cpu" and "mps" run no collective on a GPU, so they
    get gloo. More processes on a node than its GPUs are refused (DistError)
    unless the backend is gloo, which lets them share the GPUs round robin.
    """
    if backend not in BACKENDS:
        raise DistError(f"--backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    device = (device or "auto").lower()
    gpu, shared = None, None  # shared: why the ranks of a node would not each have a GPU of their own
    if gpus and device in ("auto", "cuda") and launch.local_rank is not None:
        gpu = launch.local_rank % gpus
        node = node_processes(launch)
        if node > gpus and backend != "gloo":
            # nccl cannot run two ranks on one GPU: refused here, before any rank joins a group or loads a model
            raise DistError(f"{node} processes on this node but {gpus} GPU(s) visible: start at most {gpus} "
                            f"(torchrun --nproc-per-node {gpus}), or pass --backend gloo to let ranks share GPUs")
        if node > gpus:
            shared = f"{node} processes share {gpus} GPU(s) on this node (--backend gloo)"
    elif gpus and device.startswith("cuda:") and device[5:].isdigit():
        gpu = int(device[5:])
        if (launch.local_world or 1) > 1:
            shared = (f"--device {device} puts every rank of a node on one GPU, which nccl refuses; "
                      "use --device auto: each rank then runs on GPU LOCAL_RANK")
    if backend == "auto":
        # nccl needs a GPU of each rank's own; ranks sharing GPUs, or on CPUs, talk through gloo
        backend = "nccl" if gpu is not None and launch.local_rank is not None and shared is None else "gloo"
    elif backend == "nccl":
        if not gpus:
            raise DistError("--backend nccl needs CUDA GPUs and none is visible here; use --backend gloo (or auto)")
        if launch.local_rank is None:
            raise DistError("--backend nccl needs LOCAL_RANK from the launcher (torchrun sets it) to give each rank its GPU")
        if gpu is None:
            raise DistError(f"--backend nccl runs the ranks on GPUs, and --device {device} is not one; use --device auto")
        if shared is not None:
            raise DistError(shared)
    return backend, gpu


@dataclass
class Ranks:
    rank: int = 0
    world: int = 1
    local_rank: int = 0
    backend: str | None = None  # None: a single process, no process group
    gpu: int | None = None  # this rank's CUDA device index, when it has one

    def barrier(self) -> None:
        if self.backend is None:
            return
        import torch.distributed as dist

        if self.backend == "nccl":
            dist.barrier(device_ids=[self.gpu])
        else:
            dist.barrier()

    def close(self) -> None:
        if self.backend is not None:
            import torch.distributed as dist

            if dist.is_initialized():
                dist.destroy_process_group()
            self.backend = None

    def device(self, requested: str) -> str:
        """The device this rank probes on: "auto" and "cuda" mean its own GPU when it has one."""
        if self.gpu is not None and (requested or "auto").lower() in ("auto", "cuda"):
            return f"cuda:{self.gpu}"
        return requested


def from_environment(backend: str = "auto", device: str = "auto", env: Mapping[str, str] | None = None,
                     log=lambda line: None) -> Ranks:
    """Join the process group when a launcher (torchrun) started several processes; a single process otherwise.

    Everything that can refuse the launch (DistError) is checked before the group is joined. `log` gets the
    note, from each node's first rank, that its ranks share GPUs."""
    if backend not in BACKENDS:
        raise DistError(f"--backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    launch = launch_from(os.environ if env is None else env)
    if launch is None:
        return Ranks()
    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    chosen, gpu = plan(launch, backend, device, gpus)
    note = sharing_note(launch, chosen, device, gpus)
    if note and launch.local_rank == 0:
        log(note)
    import torch.distributed as dist

    if not dist.is_initialized():
        # Bound to its GPU at the start (no torch.cuda.set_device, which would change the process's current device).
        dist.init_process_group(chosen, **({"device_id": torch.device("cuda", gpu)} if chosen == "nccl" else {}))
    return Ranks(dist.get_rank(), dist.get_world_size(), launch.local_rank or 0, chosen, gpu)
