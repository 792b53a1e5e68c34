"""Pretrained models from local files, offline: Hugging Face folders and torchvision ViT weights.

detect_model(path) says which family a folder or file belongs to (reading
only config.json or the file name, so it is cheap); load_external(path,
fusion, device) builds an adapter whose capture(sample) returns the same
AttentionRecord the bundled models produce. transformers is imported only
when a Hugging Face model is actually loaded.
"""

from mmexplorer.engine.external.detect import EXTERNAL_FUSIONS, detect_model, find_in_hf_cache
from mmexplorer.engine.external.errors import ExternalModelError
from mmexplorer.engine.external.loader import load_external

__all__ = ["EXTERNAL_FUSIONS", "ExternalModelError", "detect_model", "find_in_hf_cache", "load_external"]
