"""A stand-in for huggingface_hub at hub.py's one seam (hub_library): downloads without a network.

"Downloading" copies a model folder the test built into the standard cache
layout under `cache`, reporting its bytes in `chunks` through the progress-bar
class hub.py hands over, as huggingface_hub does; `offline` mimics HF_HUB_OFFLINE.
"""

from __future__ import annotations

import shutil
import socket
import time
from pathlib import Path
from types import SimpleNamespace


class _Bar:
    """huggingface_hub.utils.tqdm as far as hub.py's reporting subclass uses it."""

    def __init__(self, *args, total=None, unit="it", name=None, disable=False, **kwargs):
        self.total, self.unit, self.n = total, unit, 0

    def update(self, n=1):
        self.n += n


def _endpoint(reachable: bool) -> tuple[str, socket.socket]:
    """A local endpoint that accepts connections (a listening socket), or one that refuses them (closed again)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    url = f"http://127.0.0.1:{server.getsockname()[1]}"
    if not reachable:
        server.close()  # the port is free again: connecting is refused at once, as with no network
    return url, server


class FakeHub:
    def __init__(self, cache: Path, source: Path | None, chunks: int = 10, pause: float = 0.0, offline: bool = False,
                 network: bool = True):
        self.cache, self.source, self.chunks, self.pause = Path(cache), source, chunks, pause
        endpoint, self._server = _endpoint(network)  # what hub.py checks before a download
        self.constants = SimpleNamespace(HF_HUB_OFFLINE=offline, ENDPOINT=endpoint)
        self.listed = 0  # list_repo_files calls (a download that gives up at once makes none)
        self.utils = SimpleNamespace(tqdm=_Bar)
        self.reported = 0  # chunks reported before the download ended or was stopped

    def _snapshot(self, repo_id: str) -> Path:
        return self.cache / ("models--" + repo_id.replace("/", "--")) / "snapshots" / "f00d"

    def list_repo_files(self, repo_id: str) -> list[str]:
        self.listed += 1
        if self.source is None:
            raise OSError(f"404 Client Error: Repository Not Found for url: https://huggingface.co/api/models/{repo_id}")
        return sorted(p.name for p in self.source.iterdir())

    def snapshot_download(self, repo_id: str, local_files_only: bool = False, allow_patterns=None, tqdm_class=None):
        folder = self._snapshot(repo_id)
        if local_files_only:
            if not (folder / "config.json").is_file():
                raise FileNotFoundError(f"{repo_id} is not cached")
            return str(folder)
        files = self.list_repo_files(repo_id)
        size = sum((self.source / f).stat().st_size for f in files)
        bar = (tqdm_class or _Bar)(total=size, unit="B", name="huggingface_hub.snapshot_download")
        for _ in range(self.chunks):
            time.sleep(self.pause)
            bar.update(size // self.chunks)  # the reporting bar raises here once the user cancels
            self.reported += 1
        shutil.copytree(self.source, folder)
        (folder.parent.parent / "refs").mkdir(exist_ok=True)
        (folder.parent.parent / "refs" / "main").write_text("f00d")
        return str(folder)


class StalledServer:
    """A server on 127.0.0.1 that accepts connections and never answers (a hub endpoint that hangs).

        with StalledServer() as url:   # e.g. HF_ENDPOINT=url in a subprocess's environment
            ...
    """

    def __init__(self):
        import socket
        import threading

        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self._held: list = []  # accepted connections, kept open and silent
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        self._socket.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self._socket.accept()
            except OSError:
                continue
            self._held.append(conn)

    def __enter__(self) -> str:
        self._thread.start()
        return self.url

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        for conn in self._held:
            conn.close()
        self._socket.close()
