"""Getting pictures and text in: drops, pastes, refusals, and the word chips."""

import numpy as np
from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QLabel

from .gui_tools import drop, expected_map, file_mime, shown_map


def test_dropped_file_is_probed_and_drawn(make_explorer, qtbot, picture_file):
    explorer = make_explorer()
    first = explorer.state.record
    with qtbot.waitSignal(explorer.client.finished, timeout=60_000) as blocker:
        drop(explorer.window, file_mime(picture_file))
    result = blocker.args[0]
    assert result.image.source == str(picture_file)
    record = explorer.state.record
    assert record is not first and record.image_size == (96, 60)  # the dropped picture, not the sample
    np.testing.assert_array_equal(shown_map(explorer), expected_map(explorer.state))
    assert shown_map(explorer).shape == record.grid
    # the overlay is stretched over the whole picture, whatever its aspect ratio
    rect = explorer.window.views["cross"].image.overlay.mapRectToParent(explorer.window.views["cross"].image.overlay.boundingRect())
    assert (rect.width(), rect.height()) == (96, 60)


def test_dropped_image_data_is_probed(make_explorer, qtbot):
    explorer = make_explorer()
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(0xFF2050C0)
    mime = QMimeData()
    mime.setImageData(image)
    with qtbot.waitSignal(explorer.client.finished, timeout=60_000):
        drop(explorer.window, mime)
    assert explorer.state.record.image_size == (40, 30)
    assert tuple(explorer.state.result.image.pixels[0, 0]) == (0x20, 0x50, 0xC0)


def test_non_image_drop_is_refused_and_next_probe_works(make_explorer, qtbot, picture_file):
    explorer = make_explorer()
    runs = explorer.client.worker.runs
    mime = QMimeData()
    mime.setText("just some words")
    drop(explorer.window, mime)
    assert explorer.window.messages.level == "error"
    assert "not an image" in explorer.window.messages.text
    qtbot.wait(400)  # longer than the debounce: nothing must have been sent
    assert explorer.client.worker.runs == runs
    with qtbot.waitSignal(explorer.client.finished, timeout=60_000):
        drop(explorer.window, file_mime(picture_file))
    assert explorer.window.messages.text == ""  # a good probe clears the error


def test_corrupt_and_non_image_files_are_refused(make_explorer, qtbot, tmp_path, picture_file):
    explorer = make_explorer()
    corrupt = tmp_path / "broken.png"
    corrupt.write_bytes(picture_file.read_bytes()[:60])  # a PNG cut short
    text_file = tmp_path / "notes.txt"
    text_file.write_text("hello")
    before = explorer.state.image
    for path in (corrupt, text_file):
        drop(explorer.window, file_mime(path))
        assert explorer.window.messages.level == "error"
        assert str(path) in explorer.window.messages.text
        assert explorer.state.image is before
    with qtbot.waitSignal(explorer.client.finished, timeout=60_000):
        drop(explorer.window, file_mime(picture_file))
    assert explorer.state.record.image_size == (96, 60)


def test_paste_from_clipboard(make_explorer, qtbot):
    explorer = make_explorer()
    image = QImage(50, 20, QImage.Format.Format_RGB32)
    image.fill(0xFF00FF00)
    QGuiApplication.clipboard().setImage(image)
    with qtbot.waitSignal(explorer.client.finished, timeout=60_000):
        explorer.window.actions_.paste()
    assert explorer.state.record.image_size == (50, 20)
    QGuiApplication.clipboard().setText("no picture here")
    assert not explorer.window.actions_.paste()
    assert "not an image" in explorer.window.messages.text


def test_chips_show_unknown_words_and_truncation(make_explorer, qtbot):
    explorer = make_explorer()
    chips = explorer.window.inputs.chips
    explorer.window.inputs.text.setText("")
    qtbot.keyClicks(explorer.window.inputs.text, "a red zebra")
    assert [c.text() for c in chips.chips] == ["a", "red", "[UNK] zebra"]
    assert chips.chips[2].property("unk") == "true"
    long_text = " ".join(["red"] * 30)
    explorer.state.set_inputs(text=long_text)
    assert len(chips.chips) == explorer.state.tokenizer.max_len
    labels = [w.text() for w in chips.findChildren(QLabel) if w.objectName() == "truncated"]
    assert labels == ["… 6 more word(s) cut: the model reads at most 24"]
    # typing reprobes once, after the debounce, with the words the chips showed
    with qtbot.waitSignal(explorer.client.finished, timeout=60_000):
        pass
    assert len(explorer.state.record.tokens) == explorer.state.tokenizer.max_len and explorer.state.record.truncated


def test_clicking_a_chip_selects_the_word(make_explorer, qtbot):
    explorer = make_explorer(text="a red circle and a blue square")
    chips = explorer.window.inputs.chips
    runs = explorer.client.worker.runs
    before = shown_map(explorer).copy()
    chips.chips[5].click()
    assert explorer.state.token == 5 and chips.chips[5].isChecked() and not chips.chips[0].isChecked()
    np.testing.assert_array_equal(shown_map(explorer), expected_map(explorer.state))
    assert not np.array_equal(before, shown_map(explorer))
    assert explorer.client.worker.runs == runs


def test_ctrl_v_pastes_text_in_the_text_box_and_pictures_elsewhere(make_explorer, qtbot):
    from PySide6.QtCore import Qt

    explorer = make_explorer()
    window = explorer.window
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    box = window.inputs.text
    box.setFocus()
    box.end(False)
    QGuiApplication.clipboard().setText(" blue")
    image_before = explorer.state.image
    qtbot.keyClick(box, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert box.text().endswith(" blue") and explorer.state.image is image_before
    image = QImage(30, 30, QImage.Format.Format_RGB32)
    image.fill(0xFFFF0000)
    QGuiApplication.clipboard().setImage(image)
    window.tabs.setFocus()
    with qtbot.waitSignal(explorer.client.finished, timeout=60_000):
        qtbot.keyClick(window.tabs, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert explorer.state.record.image_size == (30, 30)


def test_ctrl_v_in_the_caption_box_pastes_a_picture_but_keeps_text_pastes(make_explorer, qtbot):
    from PySide6.QtCore import Qt

    explorer = make_explorer(text="a red circle")
    box = explorer.window.inputs.text
    box.setFocus()
    image = QImage(44, 22, QImage.Format.Format_RGB32)
    image.fill(0xFF10A040)
    QGuiApplication.clipboard().setImage(image)
    with qtbot.waitSignal(explorer.client.finished, timeout=60_000):
        qtbot.keyClick(box, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert explorer.state.record.image_size == (44, 22)
    assert box.text() == "a red circle"  # the caption is untouched
    QGuiApplication.clipboard().setText(" blue")
    box.setCursorPosition(len(box.text()))
    qtbot.keyClick(box, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert box.text() == "a red circle blue" and explorer.state.record.image_size == (44, 22)


def test_chips_follow_the_text_and_are_reused_while_typing(make_explorer):
    explorer = make_explorer(model="test-early", text="a red circle")
    chips = explorer.window.inputs.chips
    first = list(chips.chips)
    explorer.state.set_inputs(text="a red circle and a cat")
    words = [c.text() for c in chips.chips]
    assert words == ["a", "red", "circle", "and", "a", "[UNK] cat"]
    assert chips.chips[:3] == first  # the same buttons, not a new row per key
    assert chips.chips[5].property("unk") == "true" and chips.chips[1].property("unk") == "false"
    explorer.state.set_inputs(text="a red")
    assert [c.text() for c in chips.chips] == ["a", "red"]
    assert chips.flow.count() == 2  # no leftover chips in the layout
    chips.chips[1].click()
    assert explorer.state.token == 1
    explorer.state.set_inputs(text="")
    assert chips.chips == [] and chips.flow.count() == 1  # just the placeholder
