"""Zoom and pan for the maps and matrices: wheel zooms, left-drag pans, double-click resets.

Every plot of the explorer is a pyqtgraph ViewBox; this turns its mouse on and
remembers a home range (what the view sets when it draws new content), so a
double-click always brings back the whole picture or matrix. Until the user
zooms or pans, the home range is fitted again whenever the view is resized: a
range set while the view had no size yet (a panel built in a hidden tab) would
otherwise stay a thumbnail in the middle of the grown view. Clicks without a
drag still reach the views (patch and cell picking).
"""

from __future__ import annotations

from typing import Callable, Optional

from PySide6.QtCore import QCoreApplication, QRectF

from mmexplorer.gui.pg import pg

ZOOM_HINT_CONTEXT = "Zoom"


def zoom_hint() -> str:
    """How to zoom, for tooltips (in the interface's language)."""
    return QCoreApplication.translate(ZOOM_HINT_CONTEXT, "Wheel to zoom, drag to pan, double-click to reset the view")


def _box_of(plot) -> pg.ViewBox:
    return plot if isinstance(plot, pg.ViewBox) else plot.getViewBox()


class Zoom:
    """Makes one ViewBox zoomable; `home(rect)` records the range a double-click returns to."""

    def __init__(self, plot, scene=None, hit: Optional[Callable] = None) -> None:
        self.box = _box_of(plot)
        # where a double-click resets (a scene position -> bool); the box itself unless given
        self.hit = hit or (lambda pos: self.box.sceneBoundingRect().contains(pos))
        self.box.setMouseEnabled(True, True)
        self.box.setMenuEnabled(False)
        self.home_rect: Optional[QRectF] = None
        self.padding = 0.02
        self.moved = False  # the user zoomed or panned since the last reset: resizing keeps their range
        self.group: list[Zoom] = []  # views that zoom and reset together (see link_group)
        (scene or self.box.scene()).sigMouseClicked.connect(self._clicked)
        self.box.sigRangeChangedManually.connect(self._moved_by_user)
        self.box.sigResized.connect(self._resized)

    def home(self, rect: QRectF, padding: float = 0.02) -> None:
        """Show `rect` now and make it the range double-click goes back to."""
        self.home_rect, self.padding = QRectF(rect), padding
        self.reset()

    def reset(self) -> None:
        self.moved = False
        if self.home_rect is not None:
            self.box.setRange(rect=self.home_rect, padding=self.padding)
        else:
            self.box.autoRange()

    def zoomed(self) -> bool:
        """Whether the view shows less than its home range (zoomed in or panned)."""
        if self.home_rect is None:
            return False
        shown = self.box.viewRect()
        return not shown.contains(self.home_rect.adjusted(1e-6, 1e-6, -1e-6, -1e-6))

    def _moved_by_user(self, *_) -> None:
        self.moved = True

    def _resized(self, *_) -> None:
        if not self.moved and self.home_rect is not None:
            self.box.setRange(rect=self.home_rect, padding=self.padding)

    def _clicked(self, event) -> None:
        if event.double() and self.hit(event.scenePos()):
            for zoom in self.group or (self,):
                zoom.reset()
            event.accept()


def link_ranges(a: pg.ViewBox, b: pg.ViewBox, a_to_b: Callable[[QRectF], QRectF], b_to_a: Callable[[QRectF], QRectF]) -> None:
    """Keep two ViewBoxes showing the same region when their coordinates differ (picture pixels and patch grid).

    pyqtgraph's own links copy ranges as they are; here each side maps the
    other's view rectangle into its own coordinates first.
    """
    busy = [False]

    def follow(src: pg.ViewBox, dst: pg.ViewBox, convert) -> None:
        if busy[0]:
            return
        busy[0] = True
        try:
            dst.setRange(rect=convert(src.viewRect()), padding=0)
        finally:
            busy[0] = False

    a.sigRangeChangedManually.connect(lambda *_: follow(a, b, a_to_b))
    b.sigRangeChangedManually.connect(lambda *_: follow(b, a, b_to_a))


def link_group(zooms) -> None:
    """Make zoomable views with the same coordinates show the same region: the user's zoom or pan of one
    moves all, and a double-click on one resets all.

    Only the user's moves are copied (pyqtgraph's own X/Y links also copy every
    programmatic range and line views up by their screen position, which shrank
    side-by-side panels laid out at different moments to thumbnails).
    """
    zooms = list(zooms)
    busy = [False]

    def follow(src: Zoom) -> None:
        if busy[0]:
            return
        busy[0] = True
        try:
            rect = src.box.viewRect()
            for dst in zooms:
                if dst is not src:
                    dst.box.setRange(rect=rect, padding=0)
                    dst.moved = True
        finally:
            busy[0] = False

    for zoom in zooms:
        zoom.box.sigRangeChangedManually.connect(lambda *_, z=zoom: follow(z))
        zoom.group = zooms
