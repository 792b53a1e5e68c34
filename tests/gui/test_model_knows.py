"""What the model knows: its vocabulary in the Model tab and the chips, a banner for [UNK] sentences, the match score explained."""

from mmexplorer.config import load_variant


def vocab():
    return sorted(load_variant("early").vocab)


def test_model_tab_lists_every_word_of_the_vocabulary(make_explorer):
    explorer = make_explorer(model="test-early")
    explorer.window.show_view("model")
    html = explorer.window.views["model"].text.toPlainText()
    words = vocab()
    assert f"{len(words)} words" in html
    assert ", ".join(words) in html  # the whole list, sorted


def test_word_chips_tooltip_names_the_known_words(make_explorer):
    explorer = make_explorer(model="test-early", text="a red circle")
    chips = explorer.window.inputs.chips.chips
    tip = chips[1].toolTip()
    assert tip.startswith("word 1") and f"knows {len(vocab())} words" in tip and "circle" in tip


def test_mostly_unknown_words_raise_a_banner_once(make_explorer, qtbot):
    explorer = make_explorer(model="test-early", text="a red circle")
    messages = []
    explorer.state.message.connect(lambda text, level: messages.append((text, level)))
    explorer.state.set_inputs(text="a cat sitting on a couch")
    qtbot.waitUntil(lambda: explorer.state.record.tokens[1] == "cat" if len(explorer.state.record.tokens) > 1 else False,
                    timeout=30_000)
    warnings = [t for t, level in messages if level == "warning" and "[UNK]" in t]
    assert len(warnings) == 1
    assert "cat" in warnings[0] and "couch" in warnings[0] and "Open model folder" in warnings[0]
    explorer.state.set_result(explorer.state.result)  # the same sentence again: no second banner
    assert len([t for t, level in messages if level == "warning" and "[UNK]" in t]) == 1


def test_a_known_sentence_raises_no_banner(make_explorer, qtbot):
    explorer = make_explorer(model="test-early", text="a red circle")
    messages = []
    explorer.state.message.connect(lambda text, level: messages.append(level))
    explorer.state.set_result(explorer.state.result)
    assert "warning" not in messages


def test_match_score_tooltip_says_what_it_measures(make_explorer):
    explorer = make_explorer(model="test-early", text="a red circle")
    tip = explorer.window.inputs.prediction.toolTip()
    assert "Match probability" in tip and "whole scene" in tip
    explorer2 = make_explorer(model="test-contrastive", text="a red circle")
    tip = explorer2.window.inputs.prediction.toolTip()
    assert "cosine similarity" in tip and "whole scene" in tip


def _banner(explorer) -> str:
    bar = explorer.window.messages
    return bar.label.text() if not bar.isHidden() else ""


def test_the_unknown_words_banner_goes_when_the_sentence_is_known(make_explorer, qtbot):
    explorer = make_explorer(model="test-early", text="a red circle")
    explorer.state.set_inputs(text="a cat sitting on a couch")
    qtbot.waitUntil(lambda: "couch" in _banner(explorer), timeout=30_000)
    explorer.state.set_inputs(text="a red circle and a blue square")
    qtbot.waitUntil(lambda: explorer.state.record.tokens[-1] == "square", timeout=30_000)
    assert "[UNK]" not in _banner(explorer)  # not "cat, sitting, on, couch became [UNK]" beside known chips
    assert "[UNK]" not in explorer.state.last_message[0]
    explorer.state.set_inputs(text="a cat sitting on a couch")  # the same sentence again, after a known one: said again
    qtbot.waitUntil(lambda: "couch" in _banner(explorer), timeout=30_000)


def test_the_unknown_words_banner_goes_when_another_model_is_opened(make_explorer, qtbot):
    explorer = make_explorer(model="test-early", text="a cat sitting on a couch")
    qtbot.waitUntil(lambda: "couch" in _banner(explorer), timeout=30_000)
    explorer.state.set_inputs(text="a red circle")
    qtbot.waitUntil(lambda: explorer.state.record.tokens[-1] == "circle", timeout=30_000)
    explorer.state.set_inputs(model="test-cross")
    qtbot.waitUntil(lambda: explorer.state.record is not None and explorer.state.record.model == "test-cross", timeout=60_000)
    assert "[UNK]" not in _banner(explorer)


def test_a_model_with_its_own_tokenizer_is_not_sent_to_the_shapes_world():
    """The banner names the caption's characters and says nothing of a closed vocabulary for such a model."""
    from types import SimpleNamespace

    from mmexplorer.gui.unknown_words import banner_text

    record = SimpleNamespace(model="hf-vilt", tokens=("[UNK]", "[UNK]", "cat"), token_unk=(True, True, False),
                             meta={"char_spans": [[0, 1], [1, 2], [3, 6]]})
    info = SimpleNamespace(name="hf-vilt", config={"text": {"vocabulary": 30522}})
    text = banner_text(record, "红色 cat", info)
    assert "红, 色" in text and "[UNK], [UNK]" not in text
    assert "shapes world" not in text and "knows only" not in text
    assert banner_text(record, "红色 cat", SimpleNamespace(name="test-early", config={})) is None  # of another model
