"""Pretrained models from local files or the Hugging Face cache: one adapter module per family.

detect_model(path) says which family a folder or file belongs to (reading
only config.json or the file name, so it is cheap); load_external(path,
fusion, device) builds the family's adapter, an ExplorableModel whose
capture(sample) returns the same AttentionRecord the bundled models produce.
The families are declared in mmexplorer/families. transformers is imported only when a
Hugging Face model is actually loaded.
"""

from mmexplorer.engine.external.detect import detect_model, find_in_hf_cache
from mmexplorer.engine.external.errors import ExternalModelError
from mmexplorer.engine.external.loader import is_external, load_external

__all__ = ["ExternalModelError", "detect_model", "find_in_hf_cache", "is_external", "load_external"]
