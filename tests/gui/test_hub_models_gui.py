"""File › Open from Hugging Face: a hub id from the local cache opens a real family in the explorer."""

import shutil

import pytest

pytest.importorskip("transformers")
pytest.importorskip("huggingface_hub")



@pytest.fixture
def hub_cache(tmp_path, monkeypatch, hf_folders):
    """A cache holding tiny-org/tiny-blip in the standard layout, used by huggingface_hub (here and in the engine)."""
    import huggingface_hub.constants as hub

    repo = tmp_path / "hub" / "models--tiny-org--tiny-blip"
    shutil.copytree(hf_folders["hf-blip-itm"], tmp_path / "built")  # the session's tiny BLIP, copied: the tests move files
    shutil.copytree(tmp_path / "built", repo / "snapshots" / "f00d")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("f00d")
    monkeypatch.setattr(hub, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(hub, "HF_HUB_OFFLINE", True)
    # the engine process reads its settings from the environment it is started with
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def test_open_from_hugging_face_loads_a_cached_id_and_names_its_fusion(make_explorer, qtbot, hub_cache):
    explorer = make_explorer()
    state, window = explorer.state, explorer.window
    window.actions_.ask_hub_model = lambda: "tiny-org/tiny-blip"
    window.actions_.open_from_hub()
    qtbot.waitUntil(lambda: state.record is not None and state.record.fusion == "hf-blip-itm", timeout=120_000)
    assert state.model == "tiny-org/tiny-blip" and state.record.cross_kind == "text_to_image"
    assert window.model_bar.fusion_buttons["cross"].isChecked()  # BLIP is cross-attention fusion
    assert state.model_info.spec["category"] == "cross"
    window.show_view("cross")
    assert window.views["cross"].note.text() == state.record.meta["spec"]["note"]

    # opening BLIP explores it; the user's explicit pick puts it on the cross button
    assert state.fusion_models == {}
    explorer.tools.strategy_models.use_current()
    assert state.fusion_models["cross"] == "tiny-org/tiny-blip"
    window.model_bar.fusion_buttons["early"].click()
    qtbot.waitUntil(lambda: state.record is not None and state.record.fusion == "early", timeout=120_000)
    window.model_bar.fusion_buttons["cross"].click()
    qtbot.waitUntil(lambda: state.record is not None and state.record.fusion == "hf-blip-itm", timeout=120_000)
    assert state.model == "tiny-org/tiny-blip"


def test_open_from_hugging_face_explains_an_id_that_is_not_cached(make_explorer, qtbot, hub_cache):
    explorer = make_explorer()
    window = explorer.window
    window.actions_.ask_hub_model = lambda: "tiny-org/absent"
    window.actions_.open_from_hub()
    qtbot.waitUntil(lambda: "huggingface-cli download tiny-org/absent" in window.messages.text, timeout=120_000)


def test_an_id_not_cached_downloads_with_progress_then_opens(make_explorer, qtbot, hub_cache, tmp_path, monkeypatch):
    from fake_hub import FakeHub
    from mmexplorer import hub

    fake = FakeHub(tmp_path / "hub", tmp_path / "built", chunks=5, pause=0.05)  # no network: files copied in chunks
    monkeypatch.setattr(hub, "hub_library", lambda: fake)
    explorer = make_explorer()
    state, window = explorer.state, explorer.window
    downloads = window.actions_.downloads
    seen = []
    downloads.progressed.connect(lambda done, total: seen.append((done, total)))
    window.actions_.ask_hub_model = lambda: "tiny-org/fresh-blip"
    window.actions_.open_from_hub()
    assert downloads.dialog is not None and downloads.dialog.isVisible()
    qtbot.waitUntil(lambda: state.record is not None and state.record.fusion == "hf-blip-itm", timeout=120_000)
    assert state.model == "tiny-org/fresh-blip" and downloads.dialog is None
    assert len(seen) == 5 and seen[-1][0] <= seen[-1][1]


def test_cancel_stops_a_download_and_keeps_the_current_model(make_explorer, qtbot, hub_cache, tmp_path, monkeypatch):
    from fake_hub import FakeHub
    from mmexplorer import hub

    fake = FakeHub(tmp_path / "hub", tmp_path / "built", chunks=2000, pause=0.01)
    monkeypatch.setattr(hub, "hub_library", lambda: fake)
    explorer = make_explorer()
    state, window = explorer.state, explorer.window
    before = state.model
    downloads = window.actions_.downloads
    window.actions_.ask_hub_model = lambda: "tiny-org/fresh-blip"
    window.actions_.open_from_hub()
    qtbot.waitUntil(lambda: fake.reported >= 2, timeout=30_000)
    from PySide6.QtWidgets import QPushButton

    downloads.dialog.findChild(QPushButton).click()  # the dialog's Cancel button
    qtbot.waitUntil(lambda: "tiny-org/fresh-blip was cancelled" in window.messages.text, timeout=30_000)
    downloads.wait()
    assert fake.reported < 2000 and not downloads.running and downloads.dialog is None
    assert state.model == before and not fake._snapshot("tiny-org/fresh-blip").exists()


def test_an_id_with_no_network_fails_at_once_in_the_interfaces_words(make_explorer, qtbot, hub_cache, tmp_path, monkeypatch):
    from fake_hub import FakeHub
    from mmexplorer import hub

    fake = FakeHub(tmp_path / "hub", tmp_path / "built", network=False)  # HF_HUB_OFFLINE unset, no network
    monkeypatch.setattr(hub, "hub_library", lambda: fake)
    monkeypatch.setattr("mmexplorer.gui.hub_download.QCoreApplication.translate",
                        lambda context, text: "（中文）" + text if context == "HubDownload" else text)
    explorer = make_explorer()
    window = explorer.window
    window.actions_.ask_hub_model = lambda: "tiny-org/far-away"
    window.actions_.open_from_hub()
    qtbot.waitUntil(lambda: "cannot be reached" in window.messages.text, timeout=30_000)
    assert window.messages.text.startswith("（中文）tiny-org/far-away")  # the interface's translation, not the engine's English
    assert fake.listed == 0 and window.actions_.downloads.dialog is None
