"""Connect and read timeouts for the Hugging Face hub's HTTP client, within a scope.

huggingface_hub's shared client waits forever by default: an HF_ENDPOINT that
accepts the connection and never answers would hang a probe with no end. Inside
`hub_timeouts(...)` its client is made by the factory already set (a user's
proxies and certificates are kept) with these timeouts; the factory in place
before is put back on the way out, so nothing outside the scope changes.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

CONNECT_TIMEOUT_S = 10.0  # a reachable hub answers a connection in well under a second
READ_TIMEOUT_S = 15.0  # between two reads of one answer; a stalled server fails after this


@contextlib.contextmanager
def hub_timeouts(huggingface_hub) -> Iterator[None]:
    """Run the block with the hub's client timing out; a stand-in module without the seam runs as it is."""
    http = getattr(getattr(huggingface_hub, "utils", None), "_http", None)
    set_factory = getattr(huggingface_hub, "set_client_factory", None)
    previous = getattr(http, "_GLOBAL_CLIENT_FACTORY", None) or getattr(http, "default_client_factory", None)
    if set_factory is None or previous is None:
        yield
        return
    import httpx2

    class NoAnswer(Exception):
        """Not one of the exceptions the hub's client retries on: a stalled server fails once, not six times."""

    class GiveUpOnTimeout(httpx2.BaseTransport):
        def __init__(self, inner):
            self.inner = inner

        def handle_request(self, request):
            # the hub's calls may pass timeout=None per request, which overrides the client's: bound each phase here
            limits = dict(request.extensions.get("timeout") or {})
            for phase, limit in (("connect", CONNECT_TIMEOUT_S), ("read", READ_TIMEOUT_S), ("write", READ_TIMEOUT_S),
                                 ("pool", READ_TIMEOUT_S)):
                if limits.get(phase) is None or limits[phase] > limit:
                    limits[phase] = limit
            request.extensions["timeout"] = limits
            try:
                return self.inner.handle_request(request)
            except httpx2.TimeoutException:
                raise NoAnswer(f"timed out: no answer from {request.url.host}:{request.url.port} "
                               f"within {READ_TIMEOUT_S:.0f} s") from None

        def close(self):
            self.inner.close()

    def with_timeouts():
        client = previous()
        client.timeout = httpx2.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
        if isinstance(getattr(client, "_transport", None), httpx2.BaseTransport):
            client._transport = GiveUpOnTimeout(client._transport)  # the proxies and certificates it was made with stay
        return client

    set_factory(with_timeouts)
    try:
        yield
    finally:
        set_factory(previous)  # closes the client made here; the next call makes one as before
