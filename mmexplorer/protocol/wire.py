"""How messages cross between the window's process and the engine process, without pickle.

A message is one frozen dataclass from a fixed list of types (protocol/calls.py).
It is written as one frame: a fixed preamble, a JSON header describing the
fields (primitives, tuples, nested dataclasses of the list) and where each
numpy field's raw bytes lie, then those bytes, each array aligned to 64 bytes.
An AttentionRecord travels as the arrays of the probe npz contract
(attention/npz.py). Reading builds arrays with np.frombuffer over the frame
(no copy; they are read-only, as an immutable record's should be), accepts
only plain dtypes and only builds types on the list, so nothing sent can run
code on the other side.

Not npz: a zip archive costs a member header, a CRC and an ast-parsed array
header per array, about 0.3 ms each; a record with relevancy has two dozen
arrays, and the window's decoding held the interpreter lock for most of it.
"""

from __future__ import annotations

import dataclasses
import json
import struct
from typing import Any

import numpy as np

from mmexplorer.attention.npz import record_from_arrays, record_to_arrays
from mmexplorer.attention.record import AttentionRecord

MAGIC = b"MMXW"  # and a format number: a frame from another version is refused, not misread
VERSION = 1
_PREAMBLE = struct.Struct("<4sII")  # magic, version, header length in bytes
_ALIGN = 64
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
    return b"".join(frame_parts(message))


def frame_parts(message: Any) -> list:
    """The frame of `message` as the buffers that make it up, in order: each array's own memory, not copied.

    protocol/pipes.py writes them to the pipe with one gathering write; `encode`
    joins them where one bytes object is wanted.
    """
    arrays: list[np.ndarray] = []
    body = _pack(message, arrays)
    table, offset = [], 0
    for i, array in enumerate(arrays):
        if not array.flags.c_contiguous:  # (not np.ascontiguousarray: it makes a 0-d array 1-d)
            arrays[i] = array = array.copy(order="C")
        offset = _aligned(offset)
        table.append([array.dtype.str, list(array.shape), offset])
        offset += array.nbytes
    header = json.dumps({"message": body, "arrays": table}).encode()
    head = _PREAMBLE.pack(MAGIC, VERSION, len(header)) + header
    start = _aligned(len(head))
    pieces, end = [head, bytes(start - len(head))], 0  # zero padding between the pieces
    for array, (_, _, at) in zip(arrays, table):
        if array.nbytes:
            pieces.append(bytes(at - end))
            pieces.append(memoryview(array.reshape(-1).view(np.uint8)))
            end = at + array.nbytes
    pieces.append(bytes(offset - end))  # to the frame's full length (empty arrays may lie past the last bytes)
    return [piece for piece in pieces if len(piece)]


def decode(data) -> Any:
    """The message in `data` (bytes, or a bytearray the pipe was read into: its arrays are made read-only)."""
    try:
        magic, version, size = _PREAMBLE.unpack_from(data, 0)
        if magic != MAGIC or version != VERSION:
            raise WireError("not an engine message of this version")
        end = _PREAMBLE.size + size
        header = json.loads(bytes(data[_PREAMBLE.size:end]))
        start = _aligned(end)
        arrays = [_array(data, start, *entry) for entry in header["arrays"]]
        return _unpack(header["message"], arrays)
    except WireError:
        raise
    except Exception as exc:
        raise WireError(f"a malformed engine message ({type(exc).__name__}: {exc})") from None


def _aligned(n: int) -> int:
    return -(-n // _ALIGN) * _ALIGN


def _array(data: bytes, start: int, dtype: str, shape: list, offset: int) -> np.ndarray:
    kind = np.dtype(dtype)  # a string naming a dtype: never an object to unpickle
    if kind.hasobject or kind.fields is not None or kind.subdtype is not None:
        raise WireError("only plain arrays are accepted")
    count = 1
    for n in shape:
        if not isinstance(n, int) or n < 0:
            raise WireError("a malformed array shape")
        count *= n
    at = start + int(offset)
    if offset < 0 or at + count * kind.itemsize > len(data):
        raise WireError("an array runs past the end of the message")
    array = np.frombuffer(data, kind, count, at).reshape(shape)
    array.flags.writeable = False  # a record is immutable, whatever buffer it was read into
    return array


def _pack(value: Any, arrays: list[np.ndarray]) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, np.ndarray):
        arrays.append(value)
        return {"__nd__": len(arrays) - 1}
    if isinstance(value, AttentionRecord):
        names = {}
        for name, array in record_to_arrays(value).items():
            arrays.append(array)
            names[name] = len(arrays) - 1
        return {"__record__": names}
    if dataclasses.is_dataclass(value) and type(value).__name__ in _TYPES:
        fields = {f.name: _pack(getattr(value, f.name), arrays) for f in dataclasses.fields(value)}
        return {"__dc__": type(value).__name__, "fields": fields}
    if isinstance(value, (tuple, list)):
        return {"__tuple__": [_pack(v, arrays) for v in value]}
    if isinstance(value, dict):
        return {"__dict__": [[_pack(k, arrays), _pack(v, arrays)] for k, v in value.items()]}
    raise WireError(f"{type(value).__name__} cannot cross to the engine")


def _unpack(value: Any, arrays: list[np.ndarray]) -> Any:
    if not isinstance(value, dict):
        return value
    if "__nd__" in value:
        return arrays[value["__nd__"]]
    if "__record__" in value:
        return record_from_arrays({name: arrays[i] for name, i in value["__record__"].items()})
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
