"""Generative vision-language families on tiny random models: the answer is the model's own greedy one, every
captured row is transformers' own eager attention, and the regions put every image token where it comes from."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("transformers")
pytest.importorskip("num2words")

from hf_tiny import write_photo  # noqa: E402
from hf_tiny_gen import LLAVA_PATCH, SMOL_PATCH, build_llava, build_paligemma, build_smolvlm  # noqa: E402

QUESTION = "what colour is the circle?"
BUILDERS = {"hf-smolvlm": build_smolvlm, "hf-llava": build_llava, "hf-paligemma": build_paligemma}


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    return {family: build(tmp_path_factory.mktemp(family)) for family, build in BUILDERS.items()}


@pytest.fixture(scope="module")
def smol_folder(folders):
    return folders["hf-smolvlm"]


@pytest.fixture(scope="module", params=sorted(BUILDERS))
def family(request):
    return request.param


@pytest.fixture(scope="module")
def any_folder(folders, family):
    return folders[family]


@pytest.fixture(scope="module")
def any_model(any_folder):
    from mmexplorer.engine.probe import load_model

    return load_model(str(any_folder), "cpu")[0]


@pytest.fixture(scope="module")
def photo(tmp_path_factory):
    return write_photo(tmp_path_factory.mktemp("photo") / "photo.png")


@pytest.fixture(scope="module")
def smol(smol_folder):
    from mmexplorer.engine.probe import load_model

    return load_model(str(smol_folder), "cpu")[0]


def sample_of(model, photo, text=QUESTION):
    from mmexplorer.data.image import load_image
    from mmexplorer.data.sample import Sample

    return Sample(load_image(str(photo)), model.tokenizer.encode(text))


def own_inputs(folder, photo, text=QUESTION):
    """The processor's inputs made with transformers alone, the model card's way."""
    import transformers as tf
    from PIL import Image

    processor = tf.AutoProcessor.from_pretrained(str(folder))
    turn = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": text}]}]
    # PaliGemma has no chat template: its processor writes the prompt around the text itself
    prompt = processor.apply_chat_template(turn, add_generation_prompt=True) if processor.chat_template else text
    image = Image.open(photo).convert("RGB")
    return processor(text=prompt, images=[image], return_tensors="pt"), prompt


def own_model(folder):
    import transformers as tf

    return tf.AutoModelForImageTextToText.from_pretrained(str(folder), attn_implementation="eager").eval()


def test_the_answer_is_the_models_own_greedy_generate(any_model, any_folder, family, photo):
    import torch

    from mmexplorer.engine.asking import Ask, ask

    record = ask(any_model, sample_of(any_model, photo), Ask(max_new_tokens=7))
    inputs, prompt = own_inputs(any_folder, photo)
    with torch.no_grad():
        out = own_model(any_folder).generate(**inputs, max_new_tokens=7, do_sample=False)
    g = record.generation
    assert g.answer_ids.tolist() == out[0, inputs["input_ids"].shape[1]:].tolist()
    assert g.prompt_ids.tolist() == inputs["input_ids"][0].tolist()
    assert record.meta["prompt"] == prompt and record.meta["chat_template"] is (family != "hf-paligemma")
    assert not g.forced and record.fusion == family


def test_every_answer_row_is_transformers_own_eager_attention(any_model, any_folder, photo):
    import torch

    from mmexplorer.attention.reductions import rollout
    from mmexplorer.engine.asking import Ask, ask

    record = ask(any_model, sample_of(any_model, photo), Ask(answer="the colour is red"))
    g = record.generation
    p, a = len(g.prompt_ids), len(g.answer_ids)
    assert g.forced and a == len(any_model.hf_tokenizer("the colour is red", add_special_tokens=False)["input_ids"])
    inputs, _ = own_inputs(any_folder, photo)
    ids = torch.cat([inputs["input_ids"], torch.tensor([g.answer_ids.tolist()])], 1)  # prompt + the whole answer
    fed = dict(inputs, input_ids=ids, attention_mask=torch.ones_like(ids))
    fed.pop("labels", None)
    if "token_type_ids" in inputs:  # PaliGemma: the answer is the suffix (type 1), causal
        fed["token_type_ids"] = torch.cat([inputs["token_type_ids"], torch.ones(1, a, dtype=torch.long)], 1)
    with torch.no_grad():
        out = own_model(any_folder)(**fed, output_attentions=True)
    assert len(out.attentions) == len(g.answer_rows) == 2
    for layer, weights in enumerate(out.attentions):
        np.testing.assert_allclose(g.answer_rows[layer], weights[0, :, p - 1:p + a - 1, :p + a - 1].numpy(), atol=1e-5)
        if layer in g.prompt_attention:
            np.testing.assert_allclose(g.prompt_attention[layer], weights[0, :, :p, :p].numpy(), atol=1e-5)
    full = rollout([w[0, :, :p + a - 1, :p + a - 1].double().numpy() for w in out.attentions])
    np.testing.assert_allclose(g.answer_rollout, full[p - 1:p + a - 1], atol=1e-5)


def test_the_question_words_and_the_prompt_are_named(smol, photo):
    from mmexplorer.engine.asking import Ask, ask

    record = ask(smol, sample_of(smol, photo), Ask(max_new_tokens=2))
    g = record.generation
    assert "".join(record.tokens).replace(" ", "") == QUESTION.replace(" ", "")
    assert g.positions("text").tolist() == list(range(*next((s, e) for m, s, e in g.prompt_segments if m == "text")))
    assert record.token_to_image.shape == (len(record.tokens), *record.grid)
    assert g.prompt_tokens[int(record.regions.spans[0][0])] == "<image tile r1 c1 #0>"
    assert g.prompt_tokens[int(record.regions.spans[-1][0])] == "<image global #0>"
    assert g.answer_to_image.shape == (len(g.answer_ids), *record.grid)
    assert record.regions.names == ("tile r1 c1", "tile r1 c2", "tile r2 c1", "tile r2 c2", "global")


def test_raw_prompt_sends_the_question_as_is(any_model, photo):
    from mmexplorer.engine.asking import Ask, ask

    record = ask(any_model, sample_of(any_model, photo), Ask(max_new_tokens=1, raw_prompt=True))
    assert record.meta["chat_template"] is False and record.meta["prompt"].endswith(QUESTION)
    assert "<image>×" in record.meta["prompt_seen"] and record.meta["prompt_seen"].rstrip().endswith(QUESTION)
    assert "".join(record.tokens).replace(" ", "") == QUESTION.replace(" ", "")


def image_features(net, pixel_values):
    """The image tokens as the language model receives them, in prompt order: [image tokens, D]."""
    import torch

    with torch.no_grad():
        return torch.cat(list(net.model.get_image_features(pixel_values).pooler_output)).numpy()


def changed_positions(record, before, after):
    positions = record.regions.positions()  # the image tokens' prompt positions, in feature order
    changed = np.abs(after - before).max(axis=1) > 1e-6
    return set(positions[changed].tolist())


def test_one_tiles_pixels_change_exactly_its_tokens(smol, photo):
    """Occlusion through the vision tower: the record's span of tile k is where tile k's pixels arrive."""
    from mmexplorer.engine.asking import Ask, ask

    record = ask(smol, sample_of(smol, photo), Ask(max_new_tokens=1))
    inputs = smol.model_inputs(record.meta["prompt"], sample_of(smol, photo).image)
    pixels = inputs["pixel_values"]
    before = image_features(smol.net, pixels)
    for k, (start, stop) in enumerate(record.regions.spans):
        occluded = pixels.clone()
        occluded[0, k] = -occluded[0, k] + 0.5
        assert changed_positions(record, before, image_features(smol.net, occluded)) == set(range(start, stop))


def test_a_tiles_box_is_where_it_is_on_the_photo(smol, photo):
    """Occlusion on the photo itself: painting inside tile k's box changes tile k's tokens and the global view's,
    no other tile's."""
    from mmexplorer.data.image import LoadedImage
    from mmexplorer.data.sample import Sample
    from mmexplorer.engine.asking import Ask, ask

    sample = sample_of(smol, photo)
    record = ask(smol, sample, Ask(max_new_tokens=1))
    base = smol.model_inputs(record.meta["prompt"], sample.image)["pixel_values"]
    before = image_features(smol.net, base)
    spans = record.regions.spans
    for k, (x0, y0, x1, y1) in enumerate(record.regions.boxes[:-1]):
        pixels = sample.image.pixels.copy()
        mx, my = (x1 - x0) / 4, (y1 - y0) / 4  # away from the border, where resampling mixes tiles
        pixels[int(y0 + my):int(y1 - my), int(x0 + mx):int(x1 - mx)] = [255, 0, 255]
        painted = smol.model_inputs(record.meta["prompt"], Sample(LoadedImage(pixels, "painted"), sample.encoding).image)
        changed = changed_positions(record, before, image_features(smol.net, painted["pixel_values"]))
        mine, global_view = set(range(*spans[k])), set(range(*spans[-1]))
        assert mine <= changed <= mine | global_view


def test_a_merged_token_is_its_block_of_patches(smol_folder, photo):
    """Without the vision encoder's layers (so patches do not mix), changing one patch of a tile changes exactly
    the one token whose block holds it: the record's token -> patch map is the pixel shuffle's."""
    import torch

    from mmexplorer.engine.asking import Ask, ask
    from mmexplorer.engine.probe import load_model

    model = load_model(str(smol_folder), "cpu")[0]
    model.net.model.vision_model.encoder.layers = torch.nn.ModuleList()  # embeddings straight to the connector
    sample = sample_of(model, photo)
    record = ask(model, sample, Ask(max_new_tokens=1))
    pixels = model.model_inputs(record.meta["prompt"], sample.image)["pixel_values"]
    before = image_features(model.net, pixels)
    per_region = int(record.regions.patch_grids[0].prod())
    side = int(record.regions.patch_grids[0][1])
    positions = record.regions.positions()
    for k in (0, 3, 4):
        for i, j in ((0, 0), (1, 2), (3, 3)):
            occluded = pixels.clone()
            occluded[0, k, :, i * SMOL_PATCH:(i + 1) * SMOL_PATCH, j * SMOL_PATCH:(j + 1) * SMOL_PATCH] += 1.0
            patch = k * per_region + i * side + j
            expected = {int(positions[t]) for t in np.nonzero((record.regions.token_patches == patch).any(1))[0]}
            assert len(expected) == 1
            assert changed_positions(record, before, image_features(model.net, occluded)) == expected


def test_no_attention_weights_fails_loudly(any_folder, photo):
    from mmexplorer.engine.asking import Ask, ask
    from mmexplorer.engine.external.errors import ExternalModelError
    from mmexplorer.engine.probe import load_model

    model = load_model(str(any_folder), "cpu")[0]
    model.net.set_attn_implementation("sdpa")
    with pytest.raises(ExternalModelError, match="no attention weights"):
        ask(model, sample_of(model, photo), Ask(max_new_tokens=1))


def test_asking_a_model_that_does_not_generate_is_refused():
    from mmexplorer.engine.asking import AskError, ask
    from mmexplorer.engine.probe import load_model

    model = load_model("early", "cpu")[0]
    with pytest.raises(AskError, match="does not generate"):
        ask(model, None)


@pytest.mark.parametrize("bad", [dict(max_new_tokens=0), dict(max_new_tokens=True), dict(answer="  ")])
def test_bad_asking_options_are_refused(bad):
    from mmexplorer.engine.asking import Ask, AskError

    with pytest.raises(AskError):
        Ask(**bad)


def test_llava_one_grid_in_the_centre_crop(folders, photo):
    """LLaVA: one region, the crop's box; with the vision tower's attention silenced (each patch on its own),
    changing patch (i, j) changes exactly token i * cols + j of the run; painting outside the crop changes nothing."""
    import torch

    from mmexplorer.data.image import LoadedImage
    from mmexplorer.engine.asking import Ask, ask
    from mmexplorer.engine.probe import load_model

    model = load_model(str(folders["hf-llava"]), "cpu")[0]
    sample = sample_of(model, photo)
    record = ask(model, sample, Ask(max_new_tokens=1))
    (x0, y0, x1, y1), = record.regions.boxes.tolist()
    assert record.regions.names == ("image",) and record.grid == (4, 4) and 0 < x0 < x1 < 140 and (y0, y1) == (0, 90)

    def features(pixels):
        with torch.no_grad():
            out = model.net.model.get_image_features(pixels, vision_feature_layer=-2,
                                                     vision_feature_select_strategy="default")
        return torch.cat(list(out.pooler_output)).numpy()

    inputs = model.model_inputs(record.meta["prompt"], sample.image)
    before = features(inputs["pixel_values"])
    outside = sample.image.pixels.copy()
    outside[:, :int(x0) - 8] = 0  # the strip left of the crop, beyond the resampling filter's reach
    assert changed_positions(record, before, features(model.model_inputs(record.meta["prompt"],
                             LoadedImage(outside, "painted"))["pixel_values"])) == set()

    silence = [layer.self_attn.register_forward_hook(lambda m, a, out: (torch.zeros_like(out[0]), *out[1:]))
               for layer in model.net.model.vision_tower.encoder.layers]
    try:
        pixels = inputs["pixel_values"]
        before = features(pixels)
        positions = record.regions.positions()
        for i, j in ((0, 0), (1, 2), (3, 3)):
            occluded = pixels.clone()
            occluded[0, :, i * LLAVA_PATCH:(i + 1) * LLAVA_PATCH, j * LLAVA_PATCH:(j + 1) * LLAVA_PATCH] += 1.0
            token = np.nonzero((record.regions.token_patches == i * 4 + j).any(1))[0]
            assert changed_positions(record, before, features(occluded)) == {int(positions[t]) for t in token}
    finally:
        for h in silence:
            h.remove()


def test_paligemma_prefix_attends_both_ways_and_the_answer_causally(folders, photo):
    from mmexplorer.engine.asking import Ask, ask
    from mmexplorer.engine.probe import load_model

    model = load_model(str(folders["hf-paligemma"]), "cpu")[0]
    record = ask(model, sample_of(model, photo), Ask(answer="red red"))
    g = record.generation
    p, a = len(g.prompt_ids), len(g.answer_ids)
    assert g.bidirectional_prefix == p and record.meta["prompt_seen"].startswith("<image>×16<bos>")
    for full in g.prompt_attention.values():
        assert (full[:, 0, 1:] > 0).all()  # the first image token sees the whole prefix
    for rows in g.answer_rows:
        for k in range(a):
            assert (rows[:, k, p + k:] == 0).all()  # no answer position sees a later one
    assert record.regions.boxes.tolist() == [[0.0, 0.0, 140.0, 90.0]]


def test_answer_relevancy_is_chefers_rule_by_hand(any_model, any_folder, photo):
    """Each answer token's relevancy row against a hand-written reference: transformers' own eager weights, the
    gradient of the token's own logit, Ā = mean over heads of (∇A ⊙ A)⁺, R = I then R += Ā R layer by layer."""
    import torch

    from mmexplorer.attention.generation import answer_row
    from mmexplorer.engine.asking import Ask, ask

    record = ask(any_model, sample_of(any_model, photo), Ask(answer="red red", relevancy=True))
    g = record.generation
    p, a = len(g.prompt_ids), len(g.answer_ids)
    inputs, _ = own_inputs(any_folder, photo)
    ids = torch.cat([inputs["input_ids"], torch.tensor([g.answer_ids[:-1].tolist()])], 1)  # what produced the answer
    fed = dict(inputs, input_ids=ids, attention_mask=torch.ones_like(ids))
    fed.pop("labels", None)
    if "token_type_ids" in inputs:
        fed["token_type_ids"] = torch.cat([inputs["token_type_ids"], torch.ones(1, a - 1, dtype=torch.long)], 1)
    net = own_model(any_folder)
    out = net(**fed, output_attentions=True)
    s = p + a - 1
    for k in range(a):
        logit = out.logits[0, p - 1 + k, int(g.answer_ids[k])]
        grads = torch.autograd.grad(logit, out.attentions, retain_graph=True)
        r = np.eye(s)
        for w, grad in zip(out.attentions, grads):
            bar = (grad[0] * w[0]).clamp(min=0).mean(0).detach().double().numpy()
            r = r + bar @ r
        np.testing.assert_allclose(g.answer_relevancy[k], r[p - 1 + k], rtol=1e-4, atol=1e-6)
        np.testing.assert_array_equal(answer_row(g, k, method="relevancy"), g.answer_relevancy[k, :p + k])
    assert "Chefer" in record.meta["relevancy"]


def test_the_vision_towers_attention_is_its_own(any_model, any_folder, photo):
    """Taken from the vision tower's modules in the asking forward pass: equal to the tower's own output_attentions
    for the processor's pixels; a zero budget keeps none, and says so."""
    import torch

    from mmexplorer.engine.asking import Ask, ask

    record = ask(any_model, sample_of(any_model, photo), Ask(max_new_tokens=1))
    g = record.generation
    inputs, _ = own_inputs(any_folder, photo)
    net = own_model(any_folder)
    extra = {}
    if hasattr(net.config, "vision_feature_layer"):
        extra = dict(vision_feature_layer=net.config.vision_feature_layer,
                     vision_feature_select_strategy=net.config.vision_feature_select_strategy)
    with torch.no_grad():
        own = net.model.get_image_features(pixel_values=inputs["pixel_values"], output_attentions=True, **extra)
    assert sorted(g.vision_attention) == list(range(len(own.attentions))) == record.meta["vision_attention"]["layers"]
    for layer, weights in enumerate(own.attentions):
        assert g.vision_attention[layer].shape[0] == record.regions.count
        np.testing.assert_allclose(g.vision_attention[layer], weights.numpy(), atol=1e-5)
    none = ask(any_model, sample_of(any_model, photo), Ask(max_new_tokens=1, vision_budget_bytes=0))
    assert none.generation.vision_attention == {} and none.meta["vision_attention"]["layers"] == []
