"""Views redraw only while they are on screen; a hidden view catches up when it is shown again.

With five tabs, redrawing all of them on every change of word, layer or head
would spend most of the time on views nobody is looking at.
"""

from __future__ import annotations


class LazyRedraw:
    """Mixin for QWidget views that define `redraw()`."""

    _stale = True

    def redraw_on(self, *signals) -> None:
        """Redraw (or mark stale while hidden) whenever one of `signals` fires."""
        for signal in signals:
            signal.connect(self.schedule_redraw)

    def follow(self, state) -> None:
        """The usual subscription of a view: a new record, a new selection, new display settings."""
        self.redraw_on(state.result_changed, state.selection_changed, state.display_changed)

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
