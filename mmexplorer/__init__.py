"""mmexplorer: explore attention and modality fusion in multimodal transformers.

The public Python API (docs/api.md):

    import mmexplorer
    model = mmexplorer.load()                       # the bundled default; or a name, path or hub id
    record = mmexplorer.probe(model, "cat.jpg", "a red cat on a couch")
    record.word_map("cat", method="rollout")        # [rows, cols]
    record.figure(view="overlay", token="cat")      # a matplotlib Figure, as `mmexplorer export` draws it
    record.save("cat.npz"); mmexplorer.open_record("cat.npz")
    mmexplorer.wrap(hf_model, hf_processor)         # a transformers model already in memory
    mmexplorer.open_results("out/")                 # a `probe --pairs` results store, pair by pair
    mmexplorer.explore(record)                      # the desktop explorer on it

Names are imported on first use, so `import mmexplorer` stays cheap and the
explorer's window process never loads torch through it.
"""

from __future__ import annotations

import importlib

__version__ = "0.2.0"

__all__ = ["Model", "Record", "Region", "Results", "explore", "load", "open_record", "open_results", "probe", "wrap"]

# public name -> the private module that defines it (imported by name, on first use)
_HOMES = {
    "Model": "model",
    "load": "model",
    "wrap": "model",
    "probe": "model",
    "Record": "record",
    "Region": "record",
    "open_record": "record",
    "Results": "results",
    "open_results": "results",
    "explore": "explore",
}

def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'mmexplorer' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"mmexplorer.api.{home}"), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])

