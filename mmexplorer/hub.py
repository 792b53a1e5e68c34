"""Hugging Face hub ids ("owner/name"): the local cache first, a download only when asked and allowed.

Nothing here reaches the network unless `download` is True and
huggingface_hub is not in offline mode (HF_HUB_OFFLINE); then the files go
into the standard cache with huggingface_hub's own progress bars on stderr,
or, given `progress`, with each byte count reported to it (the explorer's
dialog) and `cancelled` asked on every report. huggingface_hub is reached
only through `hub_library()`: the one seam tests replace with a fake.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path
from urllib.parse import urlparse

from mmexplorer.errors import ExternalModelError

REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
# What a model folder needs besides its weights; other frameworks' files (TF, Flax, ONNX) are skipped.
MODEL_FILES = ["*.json", "*.txt", "*.model", "tokenizer*"]
DEFAULT_ENDPOINT = "https://huggingface.co"
# One connection attempt before a download: without a network huggingface_hub retries for 20-40 s (five retry lines)
# before its own error; this says so at once. A few seconds cover a slow but working connection.
REACH_TIMEOUT_S = 4.0
HUB_MISSING = "huggingface_hub is not installed: pip install 'mmexplorer[hf]' to open Hugging Face models by id"


class DownloadCancelled(ExternalModelError):
    """The user stopped a download; what arrived stays in the cache's incomplete files and resumes next time."""


class HubUnreachable(ExternalModelError):
    """An id to download, and the hub cannot be reached (no network): said at once, without retries."""

    def __init__(self, repo_id: str, host: str, reason: str) -> None:
        self.repo_id, self.host, self.reason = repo_id, host, reason
        super().__init__(f"{repo_id} is not in the local Hugging Face cache and {host} cannot be reached ({reason}); "
                         f"connect to the network and try again, or get it with `huggingface-cli download {repo_id}` "
                         f"where there is one")


def unreachable_reason(endpoint: str, timeout: float = REACH_TIMEOUT_S) -> str | None:
    """Why `endpoint` cannot be reached (one TCP connection attempt, no retries), or None when it can."""
    url = urlparse(endpoint)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        socket.create_connection((url.hostname or "", port), timeout=timeout).close()
    except OSError as exc:
        return (getattr(exc, "strerror", None) or str(exc) or type(exc).__name__).strip()
    return None


def hub_library():
    """The huggingface_hub module (ImportError when it is not installed)."""
    import huggingface_hub

    return huggingface_hub


def looks_like_repo_id(name: str) -> bool:
    return bool(REPO_ID.match(name)) and not Path(name).expanduser().exists()


def find_in_hf_cache(repo_id: str) -> Path | None:
    """The local cache snapshot of `repo_id`, never downloading; None if absent."""
    if not REPO_ID.match(repo_id):
        return None
    try:
        folder = Path(hub_library().snapshot_download(repo_id, local_files_only=True))
    except Exception:  # not installed, not cached, or a malformed cache entry
        return None
    return folder if (folder / "config.json").is_file() else None


def hub_snapshot(repo_id: str, download: bool = False, progress=None, cancelled=None) -> Path:
    """The folder of `repo_id` in the local cache, downloading it first when `download` and online.

    progress(done_bytes, total_bytes) is called as the files arrive (total grows
    as each file starts); when cancelled() turns true the download stops with
    DownloadCancelled.
    """
    cached = find_in_hf_cache(repo_id)
    if cached is not None:
        return cached
    try:
        huggingface_hub = hub_library()
        constants = huggingface_hub.constants
    except ImportError:
        raise ExternalModelError(HUB_MISSING) from None
    how = f"get it with `huggingface-cli download {repo_id}`"
    if constants.HF_HUB_OFFLINE:
        raise ExternalModelError(f"{repo_id} is not in the local Hugging Face cache and HF_HUB_OFFLINE is set; "
                                 f"{how}, or run once online")
    if not download:
        raise ExternalModelError(f"{repo_id} is not in the local Hugging Face cache; {how}")
    from mmexplorer.hub_timeouts import READ_TIMEOUT_S, hub_timeouts

    endpoint = getattr(constants, "ENDPOINT", None) or DEFAULT_ENDPOINT
    reason = unreachable_reason(endpoint)
    if reason is not None:
        raise HubUnreachable(repo_id, urlparse(endpoint).hostname or endpoint, reason)
    try:
        with hub_timeouts(huggingface_hub):  # a server that never answers fails in seconds, not never
            files = huggingface_hub.list_repo_files(repo_id)
            # safetensors when the repository has them; else PyTorch's .bin (transformers reads it weights-only)
            weights = ["*.safetensors"] if any(f.endswith(".safetensors") for f in files) else ["pytorch_model*.bin"]
            bars = {} if progress is None and cancelled is None else {"tqdm_class": _reporting_bar(huggingface_hub, progress, cancelled)}
            folder = Path(huggingface_hub.snapshot_download(repo_id, allow_patterns=MODEL_FILES + weights, **bars))
    except DownloadCancelled:
        raise DownloadCancelled(f"the download of {repo_id} was cancelled; what arrived is kept and resumes next time") from None
    except Exception as exc:  # not found, gated, no network, no answer: the hub's own message says which
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "timeout" in type(exc).__name__.lower() or "timed out" in first.lower():
            first = f"no answer within {READ_TIMEOUT_S:.0f} s"
        raise ExternalModelError(f"cannot download {repo_id} from {endpoint} ({first}); {how}") from None
    if not (folder / "config.json").is_file():
        raise ExternalModelError(f"{repo_id} has no config.json: not a Hugging Face model repository")
    return folder


def _reporting_bar(huggingface_hub, progress, cancelled):
    """A progress-bar class for huggingface_hub that prints nothing, reports bytes and stops when cancelled."""
    import importlib

    utils = getattr(huggingface_hub, "utils", None) or importlib.import_module("huggingface_hub.utils")  # lazy there
    base = utils.tqdm

    class Reporting(base):
        def __init__(self, *args, **kwargs):
            # bytes written; the file-count bar and the network-transfer twin of the byte bar are not reported
            self.reports = kwargs.get("unit") == "B" and not str(kwargs.get("name", "")).endswith(".transfer")
            kwargs["disable"] = True  # no bar on stderr; the counts are kept below
            super().__init__(*args, **kwargs)
            self.done, self.size = 0, int(kwargs.get("total") or 0)

        def update(self, n=1):
            if cancelled is not None and cancelled():
                raise DownloadCancelled("cancelled")
            self.done += int(n or 0)
            self.size = max(self.size, int(self.total or 0))
            if progress is not None and self.reports:
                progress(self.done, self.size)

    return Reporting
