"""The compare panel runs one input through every model and draws each map on one colour scale."""

import numpy as np
import pytest
from mmexplorer import families

FUSIONS = families.bundled_names()


@pytest.fixture
def panel(qtbot, model_home):
    from mmexplorer.gui.compare.panel import ComparePanel

    p = ComparePanel()
    qtbot.addWidget(p)
    p.set_models([(f"test-{f}", str(model_home / "models" / f"test-{f}.safetensors")) for f in FUSIONS])
    yield p
    assert p.shutdown()


def test_every_model_answers_with_a_map_on_one_scale(qtbot, panel, picture_file):
    from mmexplorer.data.image import load_image

    panel.set_input(load_image(picture_file), "a red circle and a blue square", token=1)
    with qtbot.waitSignal(panel.compared, timeout=120_000):
        assert panel.run()
    assert set(panel.items) == {f"test-{f}" for f in FUSIONS}
    assert all(item.record is not None for item in panel.items.values())
    assert panel.token.currentText() == "red"
    maps = panel.shared_maps()
    assert len(maps) == 5
    for name, m in maps.items():
        np.testing.assert_allclose(m.sum(), 1.0, atol=1e-5)
        cell = panel.cells[name]
        np.testing.assert_array_equal(cell.image.map, m)  # the cell shows exactly the shared map
    levels = {panel.cells[n].image.levels for n in maps}
    assert len(levels) == 1  # one colour scale for all
    fusions = {item.record.fusion for item in panel.items.values()}
    assert fusions == set(FUSIONS)
    boxes = [panel.cells[f"test-{f}"].image.plot.getViewBox() for f in FUSIONS]
    before = boxes[0].viewRange()[0][1] - boxes[0].viewRange()[0][0]
    boxes[2].scaleBy((0.5, 0.5))  # zoom one model's map in as the wheel does: every model shows the same region
    boxes[2].sigRangeChangedManually.emit(boxes[2].state["mouseEnabled"])
    for b in boxes:
        np.testing.assert_allclose(b.viewRange(), boxes[2].viewRange(), rtol=1e-9)
    assert boxes[0].viewRange()[0][1] - boxes[0].viewRange()[0][0] < 0.6 * before  # zoomed in
    for cell in panel.cells.values():
        cell.image.resize(cell.image.width() + 10, cell.image.height())  # a resize keeps the user's zoom
    qtbot.wait(10)
    assert boxes[0].viewRange()[0][1] - boxes[0].viewRange()[0][0] < 0.6 * before


def test_nothing_to_compare_says_so(panel):
    panel.set_models([])
    assert not panel.run()
    assert "Nothing to compare" in panel.note.text()


def test_evaluation_table_shows_every_model_its_hard_negative_accuracy_and_progress(qtbot, panel):
    from mmexplorer.gui.compare.panel import EVAL_SCENES
    from mmexplorer.gui.compare.worker import EvalRow

    panel.runner.evaluate = lambda models: None  # rows are delivered by hand below (the worker is tested elsewhere)
    panel.evaluate()
    assert panel.runner.eval_scenes == EVAL_SCENES == 100  # the README table's evaluation
    assert panel.table.rowCount() == 5 and panel.table.item(4, 1).text() == "computing…"
    assert not panel.eval_progress.isHidden() and panel.eval_progress.value() == 0
    report = {"map_kind": "attention", "matching": {"hard_accuracy": 0.885},
              "pointing": {"colour": {"hit": 0.878, "other": 0.122}, "shape": {"hit": 0.949, "other": 0.046}},
              "energy": {"colour": 0.80, "shape": 0.84}}
    for f in FUSIONS:
        panel._on_eval(EvalRow(f"test-{f}", report))
    assert panel.table.rowCount() == 5
    assert [panel.table.item(r, 2).text() for r in range(5)] == ["0.885"] * 5  # not "–", as the README writes it
    assert panel.eval_progress.isHidden()
    header = panel.table.horizontalHeader().height()
    assert panel.table.minimumHeight() >= header + sum(panel.table.rowHeight(r) for r in range(5))  # all rows fit


def test_evaluation_scores_only_the_bundled_strategies_and_says_so_for_the_others(panel):
    sent = []
    panel.runner.evaluate = sent.append
    panel.set_models([("test-early", "/m/test-early.safetensors"), ("vilt-b32", "/hf/vilt")], scored={"test-early"})
    panel.evaluate()
    assert sent == [(("test-early", "/m/test-early.safetensors"),)]  # the pretrained family is not sent
    assert panel.table.item(1, 0).text() == "vilt-b32" and panel.table.item(1, 1).text() == "error"
    assert "bundled strategies only" in panel.table.item(1, 2).text()


def test_the_compare_tab_runs_each_strategys_current_model(make_explorer, qtbot):
    explorer = make_explorer(model="test-early")
    compare = explorer.tools.compare
    qtbot.waitUntil(lambda: explorer.state.catalog is not None, timeout=60_000)
    names = [name for name, _ in compare.models]
    assert names[0] == "test-early" and len(names) == len(set(names))
    fusions = {explorer.state.catalog.find(name).fusion for name in names}
    assert len(fusions) == len(names)  # one model per strategy, not every model installed
    explorer.state.fusion_models["cross"] = "test-early"  # the model the cross button would switch to now
    explorer.tools._compare_set_changed()
    assert [name for name, _ in compare.models].count("test-early") == 1


CAPTION = "一个红色圆形和一个蓝色方形"


@pytest.fixture
def chinese_cross(model_home, tmp_path):
    """A cross-attention model whose vocabulary has the caption's words (the test models read Chinese per character)."""
    import torch

    from mmexplorer.config import load_variant
    from mmexplorer.models import build_model
    from mmexplorer.models.checkpoint import save_checkpoint

    torch.manual_seed(1)
    base = load_variant("cross")
    cfg = base.replace(name="zh-cross", image_size=64, patch_size=16, width=32, depth=2, unimodal_depth=1, heads=2,
                       vocab=tuple(base.vocab) + ("一个", "红色", "圆形", "和", "蓝色", "方形"))
    path = tmp_path / "zh-cross.safetensors"
    save_checkpoint(build_model(cfg), path)
    return str(path)


def test_a_word_is_the_same_characters_in_every_model_not_the_same_position(qtbot, panel, picture_file, chinese_cross, model_home):
    from mmexplorer.attention.levels import mass_share
    from mmexplorer.data.image import load_image

    late = str(model_home / "models" / "test-late.safetensors")
    panel.set_models([("test-late", late), ("zh-cross", chinese_cross)])
    panel.set_input(load_image(picture_file), CAPTION, token=0)
    with qtbot.waitSignal(panel.compared, timeout=120_000):
        assert panel.run()
    late_rec, cross_rec = panel.items["test-late"].record, panel.items["zh-cross"].record
    assert late_rec.tokens[:3] == ("一", "个", "红") and cross_rec.tokens[:3] == ("一个", "红色", "圆形")
    # the picker lists the first answering model's words; pick 圆 there
    words = [panel.token.itemText(i) for i in range(panel.token.count())]
    assert "圆" in words
    panel.token.setCurrentIndex(words.index("圆"))
    maps = panel.shared_maps()
    # the cross model shows its map of 圆形, the word covering 圆 (its token 2), not its token at 圆's position (4)
    np.testing.assert_allclose(maps["zh-cross"], mass_share(cross_rec.token_to_image[2]), atol=1e-7)
    assert not np.allclose(maps["zh-cross"], mass_share(cross_rec.token_to_image[4]))
    np.testing.assert_allclose(maps["test-late"], mass_share(late_rec.token_to_image[4]), atol=1e-7)
    assert panel.word_tokens() == {"test-late": ("圆",), "zh-cross": ("圆形",)}
    assert "“圆” read as 圆形" in panel.cells["zh-cross"].score.text()


def test_the_word_picker_lists_the_explorers_words_and_follows_its_focus(qtbot, panel, picture_file, chinese_cross, model_home):
    """With the explorer's record (it reads 圆形 as one word), the picker lists whole words, and the model that
    reads per character shows the mean of 圆's and 形's maps."""
    from mmexplorer.attention.levels import mass_share
    from mmexplorer.data.image import load_image

    late = str(model_home / "models" / "test-late.safetensors")
    image = load_image(picture_file)
    panel.set_models([("zh-cross", chinese_cross)])
    panel.set_input(image, CAPTION, token=0)
    with qtbot.waitSignal(panel.compared, timeout=120_000):
        panel.run()
    explorer_record = panel.items["zh-cross"].record
    panel.set_models([("test-late", late), ("zh-cross", chinese_cross)])
    panel.set_input(image, CAPTION, token=1, record=explorer_record)  # the explorer focuses 红色
    with qtbot.waitSignal(panel.compared, timeout=120_000):
        panel.run()
    words = [panel.token.itemText(i) for i in range(panel.token.count())]
    assert words == ["一个", "红色", "圆形", "和", "一个", "蓝色", "方形"]
    assert panel.token.currentText() == "红色"  # not 个, the late model's token 1
    panel.select_token(2)  # the explorer moves to 圆形
    assert panel.token.currentText() == "圆形"
    late_rec = panel.items["test-late"].record
    np.testing.assert_allclose(panel.shared_maps()["test-late"], mass_share(late_rec.token_to_image[[4, 5]].mean(0)), atol=1e-7)
    assert panel.word_tokens()["test-late"] == ("圆", "形")
