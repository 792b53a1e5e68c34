"""The explorer opens saved work: a probe npz (menu, drop, --probe) and a results store's pairs beside the views."""

from __future__ import annotations

import csv
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

import mmexplorer
from mmexplorer.config import RESOURCES

SAMPLE = RESOURCES / "samples" / "three-shapes.png"
TEXT = "a green triangle next to a red circle"
PAIRS = 60
FAILED = (7, 30, 44)


@pytest.fixture
def saved(private_models, tmp_path):
    """A record of the private test-hybrid model, saved with its picture."""
    record = mmexplorer.probe(mmexplorer.load("test-hybrid", device="cpu"), SAMPLE, TEXT)
    return record, record.save(tmp_path / "saved.npz")


def _views_draw_everything(explorer, qtbot):
    for name in ("cross", "self", "patches", "heads", "model"):
        explorer.window.show_view(name)
        qtbot.wait(5)


def test_open_probe_shows_the_record_in_every_view_and_greys_the_model_controls(make_explorer, saved, qtbot):
    record, path = saved
    explorer = make_explorer()
    window, state = explorer.window, explorer.state
    runs = explorer.client.runs
    file_menu = window.menuBar().actions()[0].menu()
    assert any("open probe" in a.text().replace("&", "").lower() for a in file_menu.actions())
    assert window.open_probe(str(path))
    np.testing.assert_array_equal(state.record.token_to_image, record.token_to_image)
    np.testing.assert_array_equal(state.image.pixels, record.image)
    assert state.text == TEXT and state.model_info.name == "test-hybrid"
    assert not window.model_bar.isEnabled() and window.saved_banner.isVisible()
    said = window.saved_banner.label.text()
    assert str(path) in said and "test-hybrid" in said and "mmexplorer gui --model test-hybrid" in said
    _views_draw_everything(explorer, qtbot)
    assert not explorer.client.run_now(force=True)  # nothing runs over saved work
    qtbot.wait(300)
    assert explorer.client.runs == runs
    window.saved_banner.back.click()  # back to the live model: it probes the same picture and text
    assert state.saved is None and window.model_bar.isEnabled() and not window.saved_banner.isVisible()
    qtbot.waitUntil(lambda: explorer.client.runs > runs and not state.busy, timeout=60_000)
    assert state.record.model == "test-early"


def test_dropping_an_npz_opens_it(make_explorer, saved):
    record, path = saved
    explorer = make_explorer()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    explorer.window.dropEvent(event)
    assert explorer.state.saved is not None and explorer.state.record.model == "test-hybrid"


def test_a_record_of_a_model_held_in_memory_says_it_cannot_run_here(make_explorer, saved, tmp_path):
    record, _ = saved
    import dataclasses

    from mmexplorer.api.record import Record

    inner = record.attention_record
    memory = Record(dataclasses.replace(inner, meta={**inner.meta, "model_path": ""}), record.image)
    explorer = make_explorer()
    assert explorer.window.open_probe(str(memory.save(tmp_path / "memory.npz")))
    assert "held in memory" in explorer.window.saved_banner.label.text()


def test_a_corrupt_or_hostile_npz_is_refused_and_the_app_keeps_its_record(make_explorer, saved, tmp_path):
    record, path = saved
    explorer = make_explorer()
    before = explorer.state.record
    good = dict(np.load(path, allow_pickle=False))
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, meta=np.array([{"x": 1}], dtype=object))
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"PK\x03\x04 but then nothing")
    shapes = tmp_path / "shapes.npz"  # every field there, but the attention does not fit its layout
    np.savez(shapes, **{**good, "attn/joint/0": np.ones((2, 3, 3), np.float32)})
    for bad, said in ((pickled, "pickled"), (garbage, "not an npz"), (shapes, "inconsistent"),
                      (tmp_path, "is a folder")):
        assert not explorer.window.open_probe(str(bad))
        text, level = explorer.state.last_message
        assert level == "error" and said in text, text
        assert explorer.state.record is before and explorer.state.saved is None


def _store(folder, record):
    """PAIRS pairs of `record` (texts and scores varied) kept with their attention; FAILED pairs failed."""
    from mmexplorer.attention.npz import record_to_arrays
    from mmexplorer.attention.store import StoreWriter

    folder.mkdir()
    inner = record.attention_record
    rows, summary = [], []
    for k in range(PAIRS):
        score = (k * 37 % PAIRS) / PAIRS
        if k in FAILED:
            summary.append({"index": k, "line": k + 1, "image": "gone.png", "text": f"pair {k}", "status": "error",
                            "error": "gone.png does not exist", "match": "", "match_logit": "", "tokens": "",
                            "boxes": 0, "pointing": "", "energy": ""})
            continue
        import dataclasses

        arrays = record_to_arrays(dataclasses.replace(inner, meta={**inner.meta, "text": f"pair {k}"}))
        rows.append((k, arrays))
        summary.append({"index": k, "line": k + 1, "image": str(SAMPLE), "text": f"pair {k}", "status": "ok", "error": "",
                        "match": score, "match_logit": score * 4 - 2, "tokens": len(record.tokens), "boxes": 1,
                        "pointing": float(k % 2), "energy": k / 100})
    with StoreWriter(folder / "store.rank0.h5", "all") as w:
        w.append(rows)
    with open(folder / "summary.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(summary[0]))
        writer.writeheader()
        writer.writerows(summary)
    return summary


def test_a_results_store_opens_beside_the_views_and_the_arrow_keys_step_through_60_pairs(make_explorer, saved, tmp_path, qtbot):
    record, _ = saved
    folder = tmp_path / "out"
    summary = _store(folder, record)
    explorer = make_explorer()
    browser = explorer.window.open_results_store(str(folder))
    assert explorer.window.results_dock.isVisible() and browser.sorted.rowCount() == PAIRS
    assert "60 pairs, 3 failed" in browser.count.text()
    seen = []
    for step in range(PAIRS):
        if step:
            qtbot.keyClick(browser.table, Qt.Key.Key_Down)
        k = browser.index
        seen.append(k)
        if k in FAILED:
            assert "failed" in browser.notice.text() and "gone.png" in browser.notice.text()
        else:
            assert explorer.state.saved is not None and explorer.state.record.meta["text"] == f"pair {k}"
            assert f"pair {k}" in explorer.window.saved_banner.label.text()
    assert seen == list(range(PAIRS))
    qtbot.keyClick(browser.table, Qt.Key.Key_Up)
    assert browser.index == PAIRS - 2
    # sorted by score, best first: the failed pairs (no score) last
    browser.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    scores = {r["index"]: r["match"] for r in summary if r["status"] == "ok"}
    assert browser.indices[:PAIRS - len(FAILED)] == sorted(scores, key=lambda i: -scores[i])
    assert set(browser.indices[-len(FAILED):]) == set(FAILED)
    for column in (2, 3, 4):  # pointing, energy, status sort too
        browser.table.sortByColumn(column, Qt.SortOrder.AscendingOrder)
        assert sorted(browser.indices) == list(range(PAIRS))
    browser.failures_only.setChecked(True)
    assert sorted(browser.indices) == list(FAILED)
    assert browser.index in FAILED and "failed" in browser.notice.text()
    _views_draw_everything(explorer, qtbot)


def test_a_corrupt_or_hostile_store_is_refused_with_a_message(make_explorer, saved, tmp_path):
    record, _ = saved
    explorer = make_explorer()
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "store.rank0.h5").write_bytes(b"\x89HDF\r\n\x1a\n not really")
    browser = explorer.window.open_results_store(str(damaged))
    assert browser.store is None and "not a readable results store" in explorer.state.last_message[0]
    # a store whose pair claims attention that does not fit its layout: said, and the views keep their record
    from mmexplorer.attention.npz import record_to_arrays
    from mmexplorer.attention.store import StoreWriter

    hostile = tmp_path / "hostile"
    hostile.mkdir()
    arrays = record_to_arrays(record.attention_record)
    arrays["attn/joint/0"] = np.ones((1, 2, 2), np.float32)
    with StoreWriter(hostile / "store.rank0.h5", "all") as w:
        w.append([(0, arrays)])
    before = explorer.state.record
    browser = explorer.window.open_results_store(str(hostile))
    assert browser.index == 0 and "cannot be shown in the views" in browser.notice.text()
    assert explorer.state.record is before


def test_gui_probe_flag_draws_the_saved_record_and_a_bad_one_exits_2(private_models, saved, tmp_path):
    _, path = saved
    env = {**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen", "MMEXPLORER_HOME": str(private_models)}
    shot = tmp_path / "shot.png"
    proc = subprocess.run([sys.executable, "-m", "mmexplorer", "gui", "--probe", str(path), "--screenshot", str(shot)],
                          env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"nothing")
    proc = subprocess.run([sys.executable, "-m", "mmexplorer", "gui", "--probe", str(bad), "--screenshot",
                           str(tmp_path / "no.png")], env=env, capture_output=True, text=True, timeout=180)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert proc.returncode == 2 and len(errors) == 1 and "not an npz" in errors[0], proc.stderr
    assert "Traceback" not in proc.stderr
