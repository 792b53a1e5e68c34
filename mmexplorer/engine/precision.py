"""Probing in half precision (`--dtype bfloat16|float16`), never silently: the deviation is measured.

The forward (and backward) pass runs under torch.autocast at the chosen dtype:
the weights stay float32 and the matrix products run in half precision, so
any model runs without casting its inputs. Every half-precision probe is
checked against a float32 probe of the same input: the largest absolute
difference of the word maps (token_to_image) goes into the record's meta
(`precision`) and the command line prints it. On a device whose kernels lack
the dtype (float16 on some CPUs) the probe is refused with the reason.
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Sequence

import numpy as np
import torch

DTYPES = ("float32", "bfloat16", "float16")


class PrecisionError(ValueError):
    """A --dtype the device or the model cannot run (the user's choice: exit 2)."""


def torch_dtype(name: str) -> torch.dtype | None:
    """The autocast dtype for a --dtype name; None for float32 (no autocast)."""
    if name not in DTYPES:
        raise PrecisionError(f"--dtype must be one of {', '.join(DTYPES)}, not {name!r}")
    return None if name == "float32" else getattr(torch, name)


@contextlib.contextmanager
def autocast(device: torch.device, name: str):
    """The block under torch.autocast at dtype `name` on the device's type (float32: no autocast)."""
    dtype = torch_dtype(name)
    if dtype is None:
        yield
        return
    kind = torch.device(device).type
    if not torch.amp.is_autocast_available(kind):
        raise PrecisionError(f"--dtype {name}: half precision is not available on {kind} devices")
    try:
        with torch.autocast(kind, dtype=dtype):
            yield
    except (RuntimeError, NotImplementedError) as exc:  # a kernel without the dtype on this device
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "Half" in text or "BFloat16" in text or "not implemented" in text.lower():
            other = "bfloat16" if name == "float16" else "float32"
            raise PrecisionError(f"--dtype {name} is not supported by this model on {kind} ({text}); "
                                 f"use --dtype {other}") from None
        raise


def map_deviation(half, full) -> float:
    """The largest absolute difference between two records' word maps (0.0 when they have none)."""
    a, b = np.asarray(half.token_to_image, np.float32), np.asarray(full.token_to_image, np.float32)
    if a.shape != b.shape:  # cannot happen for one input: the same tokens and grid
        raise ValueError(f"maps of different shapes {a.shape} and {b.shape}")
    return float(np.abs(a - b).max()) if a.size else 0.0


def with_deviation(record, name: str, deviation: float):
    """The record with meta["precision"]: the dtype and its measured deviation from float32."""
    precision = {"dtype": name, "autocast": True, "max_abs_map_deviation": deviation,
                 "measured_against": "a float32 probe of the same input"}
    return dataclasses.replace(record, meta={**record.meta, "precision": precision})


def probe_at(model, sample, name: str, relevancy: bool = True, input_size: int | None = None):
    """probe() at dtype `name`; for a half dtype the record carries its deviation from the float32 probe."""
    from mmexplorer.engine.probe import probe

    if torch_dtype(name) is None:
        return probe(model, sample, relevancy=relevancy, input_size=input_size)
    with autocast(model.device, name):
        half = probe(model, sample, relevancy=relevancy, input_size=input_size)
    full = probe(model, sample, relevancy=relevancy, input_size=input_size)
    return with_deviation(half, name, map_deviation(half, full))


def capture_batch_at(model, samples: Sequence, name: str, relevancy=True, pixels=None, meta=None) -> list:
    """model.capture_batch at dtype `name`; for a half dtype each record carries its own deviation from the
    float32 records of the same batch."""
    if torch_dtype(name) is None:
        return model.capture_batch(samples, relevancy, pixels=pixels, meta=meta)
    with autocast(model.device, name):
        half = model.capture_batch(samples, relevancy, pixels=pixels, meta=meta)
    full = model.capture_batch(samples, relevancy, pixels=pixels, meta=meta)
    return [with_deviation(h, name, map_deviation(h, f)) for h, f in zip(half, full)]
