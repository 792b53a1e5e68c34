"""The explorer's focus as one frozen value: each change names the keys that moved."""

from __future__ import annotations

import dataclasses

import pytest

from mmexplorer.gui.selection import Selection, SelectionChange


def test_a_selection_is_frozen_checked_and_names_what_changed():
    s = Selection()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.token = 3
    with pytest.raises(ValueError, match="method"):
        s.replace(method="gradcam")
    with pytest.raises(KeyError, match="colour"):
        s.replace(colour="red")
    t = s.replace(token=2, layer=1)
    assert t.changed_from(s) == {"token", "layer"} and s.changed_from(s) == frozenset()
    assert SelectionChange(t, frozenset({"token"})).touches({"token", "patch"})
    assert not SelectionChange(t, frozenset({"token"})).touches({"patch"})


def test_the_state_emits_the_keys_that_moved_and_nothing_for_no_change(qapp):
    from mmexplorer.gui.state import AppState

    state = AppState()
    seen = []
    state.selection_changed.connect(seen.append)
    state.select(token=2, head=1)
    state.select(token=2)  # no change: no signal
    state.select(patch=4)
    assert [c.keys for c in seen] == [{"token", "head"}, {"patch"}]
    assert seen[-1].selection is state.selection and (state.token, state.head, state.patch) == (2, 1, 4)
    with pytest.raises(AttributeError):
        state.token = 5  # through select only


def test_a_view_redraws_only_for_the_keys_its_picture_depends_on(qtbot):
    from mmexplorer.gui.state import AppState
    from mmexplorer.gui.views.patches import PatchesView

    state = AppState()
    view = PatchesView(state)
    qtbot.addWidget(view)
    view.show()
    calls = []
    view.redraw = lambda: calls.append(state.selection)
    state.select(token=3, layer=1, method="rollout")  # the patches view draws none of these
    assert calls == []
    state.select(patch=5)
    assert [c.patch for c in calls] == [5]
