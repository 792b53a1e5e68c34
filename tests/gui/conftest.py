"""Fixtures for the explorer tests: tiny random models in a private models folder, and leak checks."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import gc  # noqa: E402
import threading  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402
from mmexplorer import families  # noqa: E402

FUSIONS = families.bundled_names()


@pytest.fixture(scope="session")
def model_home(tmp_path_factory):
    """MMEXPLORER_HOME with one tiny random model per fusion strategy, named test-<fusion>."""
    import torch

    from mmexplorer.config import load_variant
    from mmexplorer.models import build_model
    from mmexplorer.models.checkpoint import save_checkpoint

    home = tmp_path_factory.mktemp("home")
    for fusion in FUSIONS:
        torch.manual_seed(0)
        cfg = load_variant(fusion).replace(
            name=f"test-{fusion}", image_size=64, patch_size=16, width=32, depth=2, unimodal_depth=1, heads=2
        )
        save_checkpoint(build_model(cfg), home / "models" / f"test-{fusion}.safetensors")
    return home


@pytest.fixture(scope="session")
def no_bundled_models(tmp_path_factory):
    """An empty folder in place of the bundled models (one for the session, as the shared engine is told it)."""
    return tmp_path_factory.mktemp("no-bundled-models")


@pytest.fixture(autouse=True)
def private_models(monkeypatch, model_home, no_bundled_models):
    """Only the tiny models are listed: the bundled folder is swapped for an empty one."""
    import mmexplorer.paths as paths

    empty = no_bundled_models
    assert not any(empty.iterdir()), "a test put something in the empty bundled-models folder"
    monkeypatch.setenv("MMEXPLORER_HOME", str(model_home))
    monkeypatch.setattr(paths, "BUNDLED_MODELS", empty)  # the engine process is told this folder at start
    # Lets tests make the engine process slow, failing or out of memory (engine/service.py hooks).
    monkeypatch.setenv("MMEXPLORER_ENGINE_TEST_HOOKS", "1")
    return model_home


@pytest.fixture
def settings(tmp_path):
    from PySide6.QtCore import QSettings

    from mmexplorer.gui.settings import Settings

    return Settings(QSettings(str(tmp_path / "explorer.ini"), QSettings.Format.IniFormat))


@pytest.fixture(scope="session")
def session_engine(qapp):
    """The engine process the explorers of this session share (tests/gui/shared_engine.py)."""
    from .shared_engine import SessionEngine, SharedLink

    engine = SessionEngine()
    SharedLink.session = engine
    yield engine
    SharedLink.session = None
    engine.stop()


@pytest.fixture
def shared_engine(session_engine, private_models):
    """The session's engine, running and started with this test's environment (a fresh one if not)."""
    if not session_engine.lendable(leave_a_core=True):
        session_engine.stop()
        session_engine.start()
    return session_engine


@pytest.fixture
def make_explorer(qtbot, settings, shared_engine, no_leaks, monkeypatch):
    """Build an explorer (optionally with engine test hooks, see engine/service.py), start it and wait for its first probe.

    Explorers borrow the session's engine process (tests/gui/shared_engine.py); `own_engine=True`
    stops it and gives the explorer an engine of its own, as in the app, for tests about the
    process itself.
    """
    from mmexplorer.gui.app import Explorer, Options

    from .shared_engine import SharedLink

    monkeypatch.setattr("mmexplorer.gui.probe_client.EngineLink", SharedLink)
    made = []

    def make(model="test-early", hooks=None, wait=True, persist=False, own_engine=False, **options):
        if own_engine:
            shared_engine.stop()  # not lendable now; the next test's shared_engine starts it again
        explorer = Explorer(Options(model=model, persist=persist, **options), settings=settings)
        explorer.client.test_hooks.update(hooks or {})
        qtbot.addWidget(explorer.window)
        made.append(explorer)
        no_leaks.append(explorer)
        failures = []
        explorer.client.failed.connect(failures.append)
        explorer.start()
        if wait:
            qtbot.waitUntil(lambda: explorer.state.result is not None or bool(failures), timeout=60_000)
            assert not failures, f"the first probe failed: {failures}"
        return explorer

    yield make
    for explorer in made:
        explorer.window.close()


@pytest.fixture
def no_leaks(qapp):
    """Fail a test that leaves an engine process running, a debounce timer armed or a window open."""
    from PySide6.QtWidgets import QApplication

    explorers = []
    before_threads = set(threading.enumerate())
    before_windows = {id(w) for w in QApplication.topLevelWidgets() if w.isVisible()}
    yield explorers
    for explorer in explorers:
        explorer.window.close()
        assert not explorer.client.engine.running, "the engine process is still running"
        assert not explorer.client._timer.isActive(), "a debounce timer is still armed"
    QApplication.processEvents()
    gc.collect()
    left = [w for w in QApplication.topLevelWidgets() if w.isVisible() and id(w) not in before_windows]
    assert not left, f"windows left open: {left}"
    # Python registers a _DummyThread the first time a QThread calls into `threading`; it never
    # unregisters, so those are skipped here.
    extra = [t for t in threading.enumerate()
             if t not in before_threads and t.is_alive() and not isinstance(t, threading._DummyThread)]
    assert not extra, f"threads left running: {extra}"


@pytest.fixture
def picture_file(tmp_path):
    """A non-square PNG with some structure."""
    h, w = 60, 96
    yy, xx = np.mgrid[0:h, 0:w]
    pixels = np.stack([(xx * 255 // w), (yy * 255 // h), ((xx + yy) % 32) * 8], axis=-1).astype(np.uint8)
    path = tmp_path / "picture.png"
    Image.fromarray(pixels).save(path)
    return path
