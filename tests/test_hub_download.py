"""Downloading a hub id into the cache: progress, cancel and the offline message, through a fake huggingface_hub."""

from pathlib import Path

import pytest

from fake_hub import FakeHub
from mmexplorer import hub
from mmexplorer.engine.external.errors import ExternalModelError


@pytest.fixture
def source(tmp_path) -> Path:
    folder = tmp_path / "built"
    folder.mkdir()
    (folder / "config.json").write_text('{"architectures": ["BlipForImageTextRetrieval"]}')
    (folder / "model.safetensors").write_bytes(b"\0" * 10_000)
    return folder


def test_a_download_reports_its_bytes_and_lands_in_the_cache(tmp_path, source, monkeypatch):
    fake = FakeHub(tmp_path / "hub", source)
    monkeypatch.setattr(hub, "hub_library", lambda: fake)
    seen = []
    folder = hub.hub_snapshot("org/model", download=True, progress=lambda done, total: seen.append((done, total)))
    assert (folder / "config.json").is_file() and folder == fake._snapshot("org/model")
    total = sum(p.stat().st_size for p in source.iterdir())
    assert len(seen) == 10 and all(t == total for _, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and seen[-1][0] <= total
    assert hub.hub_snapshot("org/model") == folder  # cached now: no download asked for


def test_cancel_stops_the_download_at_the_next_chunk(tmp_path, source, monkeypatch):
    fake = FakeHub(tmp_path / "hub", source)
    monkeypatch.setattr(hub, "hub_library", lambda: fake)
    seen = []
    with pytest.raises(hub.DownloadCancelled, match="org/model was cancelled"):
        hub.hub_snapshot("org/model", download=True, progress=lambda d, t: seen.append(d), cancelled=lambda: len(seen) >= 3)
    assert fake.reported == 3 and not fake._snapshot("org/model").exists()


def test_offline_and_not_cached_is_one_message_naming_the_id_and_the_command(tmp_path, source, monkeypatch):
    monkeypatch.setattr(hub, "hub_library", lambda: FakeHub(tmp_path / "hub", source, offline=True))
    with pytest.raises(ExternalModelError) as err:
        hub.hub_snapshot("org/model", download=True, progress=lambda d, t: None)
    message = str(err.value)
    assert "org/model" in message and "huggingface-cli download org/model" in message and "\n" not in message


def test_a_repository_that_is_not_there_names_the_hubs_reason(tmp_path, monkeypatch):
    monkeypatch.setattr(hub, "hub_library", lambda: FakeHub(tmp_path / "hub", None))
    with pytest.raises(ExternalModelError, match=r"cannot download org/absent from \S+ \(404 Client Error"):
        hub.hub_snapshot("org/absent", download=True)


def test_no_network_fails_at_once_with_one_check_and_no_retries(tmp_path, source, monkeypatch):
    fake = FakeHub(tmp_path / "hub", source, network=False)  # HF_HUB_OFFLINE unset, the hub unreachable
    monkeypatch.setattr(hub, "hub_library", lambda: fake)
    with pytest.raises(hub.HubUnreachable) as err:
        hub.hub_snapshot("org/model", download=True)
    assert fake.listed == 0 and fake.reported == 0  # the hub's retrying calls were never made
    message = str(err.value)
    assert "org/model" in message and "cannot be reached" in message and "\n" not in message
    assert err.value.host == "127.0.0.1"
