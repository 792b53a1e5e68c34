"""Every fusion strategy and pretrained model family, each declared once (family.py), listed in registry.py.

Plain data and no torch: the window's process reads it as the engine does.
"""

from mmexplorer.families.family import Family
from mmexplorer.families.registry import (
    bundled,
    bundled_names,
    families,
    find,
    for_file_suffix,
    for_hf_config,
    get,
    names,
    pretrained,
    register,
    spec,
    supported_architectures,
    unregister,
)

__all__ = ["Family", "bundled", "bundled_names", "families", "find", "for_file_suffix", "for_hf_config", "get",
           "names", "pretrained", "register", "spec", "supported_architectures", "unregister"]
