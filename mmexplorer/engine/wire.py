"""How messages cross between the window's process and the engine process, without pickle.

A message is one frozen dataclass from a fixed list of types (engine/calls.py).
It is written as an uncompressed npz: a JSON header describing the fields
(primitives, tuples, nested dataclasses of the list) plus one array per numpy
field; an AttentionRecord travels as the arrays of the probe npz contract
(attention/npz.py). Reading uses np.load(allow_pickle=False) and only builds
types on the list, so nothing sent can run code on the other side.
"""

from __future__ import annotations

import dataclasses
import io
import json
from typing import Any

import numpy as np

from mmexplorer.attention.npz import record_from_arrays, record_to_arrays
from mmexplorer.attention.record import AttentionRecord

_HEADER = "__header__"
_TYPES: dict[str, type] = {}


class WireError(ValueError):
    pass


def message_type(cls: type) -> type:
    """Class decorator: allow this frozen dataclass to cross the pipe."""
    _TYPES[cls.__name__] = cls
    return cls


def allow(*classes: type) -> None:
    """Allow dataclasses defined elsewhere (images, catalog entries, explanations) to cross."""
    for cls in classes:
        message_type(cls)


def encode(message: Any) -> bytes:
    arrays: dict[str, np.ndarray] = {}
    header = _pack(message, arrays)
    arrays[_HEADER] = np.array(json.dumps(header))
    buf = io.BytesIO()
    np.savez(buf, **arrays)  # uncompressed: records are a few MB and the pipe is local
    return buf.getvalue()


def decode(data: bytes) -> Any:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        header = json.loads(str(arrays.pop(_HEADER)))
        return _unpack(header, arrays)
    except WireError:
        raise
    except Exception as exc:
        raise WireError(f"a malformed engine message ({type(exc).__name__}: {exc})") from None


def _pack(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, np.ndarray):
        key = f"a{len(arrays)}"
        arrays[key] = value
        return {"__nd__": key}
    if isinstance(value, AttentionRecord):
        prefix = f"r{len(arrays)}:"
        for name, array in record_to_arrays(value).items():
            arrays[prefix + name] = array
        return {"__record__": prefix}
    if dataclasses.is_dataclass(value) and type(value).__name__ in _TYPES:
        fields = {f.name: _pack(getattr(value, f.name), arrays) for f in dataclasses.fields(value)}
        return {"__dc__": type(value).__name__, "fields": fields}
    if isinstance(value, (tuple, list)):
        return {"__tuple__": [_pack(v, arrays) for v in value]}
    if isinstance(value, dict):
        return {"__dict__": [[_pack(k, arrays), _pack(v, arrays)] for k, v in value.items()]}
    raise WireError(f"{type(value).__name__} cannot cross to the engine")


def _unpack(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    if not isinstance(value, dict):
        return value
    if "__nd__" in value:
        array = arrays[value["__nd__"]]
        if array.dtype.hasobject:
            raise WireError("object arrays are not accepted")
        return array
    if "__record__" in value:
        prefix = value["__record__"]
        return record_from_arrays({k[len(prefix):]: a for k, a in arrays.items() if k.startswith(prefix)})
    if "__tuple__" in value:
        return tuple(_unpack(v, arrays) for v in value["__tuple__"])
    if "__dict__" in value:
        return {_unpack(k, arrays): _unpack(v, arrays) for k, v in value["__dict__"]}
    if "__dc__" in value:
        cls = _TYPES.get(value["__dc__"])
        if cls is None:
            raise WireError(f"{value['__dc__']!r} is not an engine message")
        return cls(**{k: _unpack(v, arrays) for k, v in value["fields"].items()})
    raise WireError("an unknown value in an engine message")
