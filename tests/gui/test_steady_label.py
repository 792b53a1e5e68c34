"""A label told which texts to expect keeps the tallest one's height, so the widget below it stays still."""

from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from mmexplorer.gui.widgets.labels import SteadyLabel

SHORT = "layer 9, head 1"
LONG = "layer 10 of 0–11, mean over heads: raw softmax weights, rows sum to 1, " * 3


def _column(qtbot, width):
    holder = QWidget()
    layout = QVBoxLayout(holder)
    label, below = SteadyLabel(lines=1), QWidget()
    layout.addWidget(label)
    layout.addWidget(below, 1)
    qtbot.addWidget(holder)
    holder.resize(width, 400)
    holder.show()
    qtbot.waitExposed(holder)
    return holder, label, below


def _settle():
    QApplication.processEvents()  # delivers the layout requests a new text or size posts


def test_text_changes_do_not_move_the_widget_below(qtbot):
    holder, label, below = _column(qtbot, 300)
    label.expect([SHORT, LONG])
    heights = []
    for text in (SHORT, LONG, SHORT, LONG):
        label.setText(text)
        _settle()
        heights.append(below.height())
    assert len(set(heights)) == 1, heights
    assert label.height() >= label.heightForWidth(label.width())  # the long text is not cut off


def test_without_expected_texts_a_long_one_takes_room(qtbot):
    """The comparison that makes the test above mean something: unreserved, the long text pushes the widget down."""
    holder, label, below = _column(qtbot, 300)
    label.setText(SHORT)
    _settle()
    before = below.height()
    label.setText(LONG)
    _settle()
    assert below.height() < before


def test_the_reserve_follows_the_width(qtbot):
    holder, label, below = _column(qtbot, 600)
    label.expect([SHORT, LONG])
    label.setText(SHORT)
    _settle()
    wide = label.minimumHeight()
    holder.resize(200, 400)  # narrower: the long text wraps onto more lines, and the reserve grows with it
    _settle()
    assert label.minimumHeight() > wide
    label.setText(LONG)
    _settle()
    assert label.height() >= label.heightForWidth(label.width())
