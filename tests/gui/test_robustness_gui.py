"""The whole hostile-input corpus dropped on the window, and a code-running pickle opened as a model:
every case ends with a probe or a clear message, and the window keeps working."""


import corpus

from .gui_tools import drop, file_mime


def test_every_corpus_file_dropped_on_the_window(make_explorer, qtbot, tmp_path):
    explorer = make_explorer()
    state, window = explorer.state, explorer.window
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, path, expect in corpus.write(folder):
        before = state.result
        drop(window, file_mime(path))
        if expect == "ok":
            qtbot.waitUntil(lambda: state.result is not before and state.result.image.source == path, timeout=60_000)
            assert state.record.image_size == state.result.image.size, name
        else:
            assert window.messages.level == "error", name
            assert expect in window.messages.text, (name, window.messages.text)
            assert state.result is before  # nothing was lost: the last good probe stays on screen
    # and the window still works afterwards
    good = next(p for n, p, e in corpus.write(folder) if n == "png")
    with qtbot.waitSignal(explorer.client.finished, timeout=60_000):
        drop(window, file_mime(good))


def test_pickle_checkpoint_opened_in_the_explorer_runs_no_code(make_explorer, qtbot, tmp_path):
    explorer = make_explorer()
    target = tmp_path / "created-by-pickle.txt"
    evil = tmp_path / "evil.pt"
    corpus.write_code_running_pickle(evil, target)
    failures = []
    explorer.client.failed.connect(failures.append)
    explorer.state.set_inputs(model=str(evil))  # what File > Open checkpoint does
    qtbot.waitUntil(lambda: bool(failures), timeout=60_000)
    assert not target.exists()
    assert explorer.window.messages.level == "error" and "evil.pt" in explorer.window.messages.text
    # back to a real model: the next probe works
    with qtbot.waitSignal(explorer.client.finished, timeout=60_000):
        explorer.state.set_inputs(model="test-early")
