"""Views redraw only while they are on screen; a hidden view catches up when it is shown again.

With five tabs, redrawing all of them on every change of word, layer or head
would spend most of the time on views nobody is looking at; and a view whose
picture does not depend on the key that changed is not redrawn at all.
"""

from __future__ import annotations


class LazyRedraw:
    """Mixin for QWidget views that define `redraw()`.

    SELECTION_KEYS: the selection's keys the view draws from (selection.KEYS); a change of any other key
    leaves it alone.
    """

    _stale = True
    SELECTION_KEYS: frozenset[str] = frozenset()

    def redraw_on(self, *signals) -> None:
        """Redraw (or mark stale while hidden) whenever one of `signals` fires."""
        for signal in signals:
            signal.connect(self.schedule_redraw)

    def follow(self, state) -> None:
        """The usual subscription of a view: a new record, a selection change it draws from, new display settings."""
        self.redraw_on(state.result_changed, state.display_changed)
        state.selection_changed.connect(self._selection_moved)

    def _selection_moved(self, change) -> None:
        if change.touches(self.SELECTION_KEYS):
            self.schedule_redraw()

    def schedule_redraw(self, *_args) -> None:
        if self.isVisible():
            self._stale = False
            self.redraw()
        else:
            self._stale = True

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.redraw()
