"""The results-store browser: pair k's stored map over its picture, next/previous, a missing picture or store."""

import json

import numpy as np
import pytest
from PIL import Image

from mmexplorer.attention.store import StoreWriter


@pytest.fixture
def store_folder(tmp_path):
    """A two-part store (as two ranks write it) with pairs 0, 1 and 3 (pair 2 failed), maps known."""
    rng = np.random.default_rng(0)
    pictures = []
    for i in range(4):
        pixels = rng.integers(0, 255, (40 + 10 * i, 60, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(tmp_path / f"p{i}.png")
        pictures.append(pixels)
    maps = {i: rng.random((i + 2, 3, 4)).astype(np.float32) for i in (0, 1, 3)}

    def arrays(i):
        meta = {"text": f"text {i}", "model": "m", "image_source": str(tmp_path / f"p{i}.png"),
                "image_box": [0, 0, 60, 40 + 10 * i], "image_size": [60, 40 + 10 * i]}
        return {"tokens": np.array([f"w{k}" for k in range(i + 2)]), "grid": np.array([3, 4]),
                "token_to_image": maps[i], "meta": np.array(json.dumps(meta))}

    out = tmp_path / "out"
    out.mkdir()
    with StoreWriter(out / "store.rank0.h5", "maps") as w:
        w.append([(0, arrays(0))])
    with StoreWriter(out / "store.rank1.h5", "maps") as w:
        w.append([(1, arrays(1)), (3, arrays(3))])
    (tmp_path / "p3.png").unlink()  # pair 3's picture has gone since the run
    return out, maps, pictures


def test_steps_through_the_pairs_and_shows_their_maps(qtbot, store_folder):
    from mmexplorer.gui.store_browser import StoreBrowser

    folder, maps, pictures = store_folder
    browser = StoreBrowser()
    qtbot.addWidget(browser)
    assert browser.open_folder(folder)
    assert browser.index == 0 and not browser.previous.isEnabled() and browser.next.isEnabled()
    np.testing.assert_array_equal(browser.panel.map, maps[0][0])
    np.testing.assert_array_equal(browser.panel.picture.image, pictures[0])
    assert browser.panel.image_box == (0, 0, 60, 40)
    browser.words.setCurrentIndex(1)
    np.testing.assert_array_equal(browser.panel.map, maps[0][1])
    browser.next.click()
    assert browser.index == 1 and "text 1" in browser.caption.text() and browser.words.count() == 3
    np.testing.assert_array_equal(browser.panel.map, maps[1][0])
    browser.next.click()
    assert browser.index == 3 and not browser.next.isEnabled()  # pair 2 is not in the store
    np.testing.assert_array_equal(browser.panel.map, maps[3][0])
    assert "not available" in browser.notice.text()  # its picture is gone: said, and the map still shown
    browser.previous.click()
    assert browser.index == 1
    browser.close_store()


def test_a_folder_without_a_store_is_refused_with_a_reason(qtbot, tmp_path):
    from mmexplorer.gui.store_browser import StoreBrowser

    browser = StoreBrowser()
    qtbot.addWidget(browser)
    assert not browser.open_folder(tmp_path)
    assert "no results store" in browser.notice.text()
    assert not browser.next.isEnabled() and not browser.previous.isEnabled()


def test_file_menu_opens_the_store(make_explorer, store_folder):
    folder, maps, _ = store_folder
    explorer = make_explorer()
    titles = [a.text() for a in explorer.window.menuBar().actions()[0].menu().actions()]
    assert any("results" in t.lower() and "store" in t.lower() for t in titles)
    browser = explorer.window.open_results_store(str(folder))
    assert browser.isVisible() and browser.index == 0
    np.testing.assert_array_equal(browser.panel.map, maps[0][0])
    browser.close()
    explorer.window.open_results_store(str(folder / "nothing-here"))
    text, level = explorer.state.last_message
    assert level == "error" and "no results store" in text
