"""Library-global torch settings changed only inside a scope that restores them.

torch's intra-op thread count and its default random generator belong to the whole
process: a training run in the explorer shares them with the probes, and a test
shares them with every test after it. Engine code that needs its own thread count
or its own random stream takes it through these helpers, never by setting it bare.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Optional

import torch


@contextmanager
def torch_threads(threads: Optional[int]) -> Iterator[None]:
    """Run the block with `threads` intra-op threads (None or 0: leave as is), then restore."""
    if not threads:
        yield
        return
    before = torch.get_num_threads()
    if before == int(threads):  # the common case: nothing to change, nothing to pay
        yield
        return
    torch.set_num_threads(int(threads))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _cuda_indices(device: torch.device | str) -> list[int]:
    device = torch.device(device)
    if device.type != "cuda":
        return []
    return [device.index if device.index is not None else torch.cuda.current_device()]


class PrivateRandom:
    """A random stream of one run's own, seeded once, that never disturbs the caller's.

    Inside `active()` torch's default generators (CPU, and the run's CUDA device) hold
    this stream's state; on leaving, the stream's new state is kept here and the
    caller's state is put back. A generator function can enter it around each step and
    leave it around each `yield`, so code running between steps sees its own RNG.
    """

    def __init__(self, seed: int, device: torch.device | str = "cpu") -> None:
        self._devices = _cuda_indices(device)
        with torch.random.fork_rng(devices=self._devices):
            torch.manual_seed(seed)
            self._save()

    def _save(self) -> None:
        self._cpu = torch.get_rng_state()
        self._cuda = [torch.cuda.get_rng_state(i) for i in self._devices]

    def get_state(self) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """(CPU state, CUDA states) of the stream between steps (outside `active()`), to save a run's state."""
        return self._cpu.clone(), [s.clone() for s in self._cuda]

    def set_state(self, cpu: torch.Tensor, cuda: list[torch.Tensor]) -> None:
        """Continue a saved stream (outside `active()`); the CUDA states are used only when the devices match."""
        self._cpu = cpu.clone()
        if len(cuda) == len(self._devices):
            self._cuda = [s.clone() for s in cuda]

    @contextmanager
    def active(self) -> Iterator[None]:
        with torch.random.fork_rng(devices=self._devices):
            torch.set_rng_state(self._cpu)
            for index, state in zip(self._devices, self._cuda):
                torch.cuda.set_rng_state(state, index)
            try:
                yield
            finally:
                self._save()
