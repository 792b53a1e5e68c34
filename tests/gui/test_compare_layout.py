"""Compare in a real layout: every model's picture fills its panel, as the views' pictures do."""


def drawn_width(cell) -> float:
    """The picture's width in the cell's own pixels (the scene of a GraphicsLayoutWidget is its pixels)."""
    return cell.image.picture.sceneBoundingRect().width()


def test_compare_draws_each_map_at_the_size_of_its_panel_in_a_1600_by_1000_window(make_explorer, qtbot, picture_file):
    explorer = make_explorer(model="test-early", image=str(picture_file))
    window = explorer.window
    window.resize(1600, 1000)
    window.show()
    qtbot.waitExposed(window)
    compare = explorer.tools.compare
    qtbot.waitUntil(lambda: len(compare.models) == 5, timeout=60_000)
    with qtbot.waitSignal(compare.compared, timeout=120_000):
        window.show_view("compare")
    qtbot.wait(200)  # the layout settles
    assert len(compare.cells) == 5
    for name, cell in compare.cells.items():
        panel = cell.image.width()
        assert panel > 150, f"{name}: the cell itself is {panel} px wide"
        # the picture (96 x 60, wider than tall) spans nearly the panel's width, not a thumbnail in the middle
        assert drawn_width(cell) > 0.8 * panel, f"{name}: picture drawn {drawn_width(cell):.0f} px wide in a {panel} px panel"
    # shown again after another tab: still full size
    window.show_view("cross")
    qtbot.wait(100)
    with qtbot.waitSignal(compare.compared, timeout=120_000):
        window.show_view("compare")
    qtbot.wait(200)
    for name, cell in compare.cells.items():
        assert drawn_width(cell) > 0.8 * cell.image.width(), name
