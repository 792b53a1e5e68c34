import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from mmexplorer.data.tokenizer import Tokenizer, split_spans
from mmexplorer.data.vocab import BILINGUAL_WORDS, WORDS, ZH_WORDS

TOK = Tokenizer(WORDS, max_len=24)


def test_basic_words_and_punctuation():
    enc = TOK.encode("A Red circle, and a BLUE square?")
    assert [t.surface for t in enc.tokens] == ["A", "Red", "circle", ",", "and", "a", "BLUE", "square", "?"]
    assert [t.norm for t in enc.tokens][:3] == ["a", "red", "circle"]
    assert not any(t.is_unk for t in enc.tokens)
    assert not enc.truncated


def test_unknown_words_keep_their_surface():
    enc = TOK.encode("a Zebra")
    assert enc.tokens[1].is_unk and enc.tokens[1].surface == "Zebra" and enc.tokens[1].display == "[UNK] Zebra"


def test_cjk_split_per_character_and_controls_dropped():
    enc = TOK.encode("红色的圆\x00 a\u200bred")
    assert [t.surface for t in enc.tokens] == ["红", "色", "的", "圆", "a", "red"]


def test_combining_marks_stay_in_their_word():
    enc = TOK.encode("cafe\u0301 ok")
    assert [t.surface for t in enc.tokens] == ["cafe\u0301", "ok"]


def test_truncation_is_reported():
    enc = Tokenizer(WORDS, max_len=3).encode("a b c d e")
    assert len(enc.tokens) == 3 and enc.truncated and enc.dropped == 2


def test_huge_text_is_capped():
    enc = TOK.encode("red " * 100_000)
    assert len(enc.tokens) == 24 and enc.truncated


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_any_unicode_never_raises_and_round_trips(text):
    enc = TOK.encode(text)
    last = 0
    for t in enc.tokens:
        assert text[t.start : t.end] == t.surface  # the display form is exactly the input's characters
        assert t.start >= last and t.end > t.start
        last = t.end
        assert 0 <= t.id < len(TOK)
        assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in t.surface)
    assert len(enc.tokens) <= TOK.max_len
    assert enc.truncated == (len(split_spans(text)) > TOK.max_len)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_every_visible_character_is_in_some_token(text):
    covered = set()
    for s, e in split_spans(text):
        covered.update(range(s, e))
    for i, ch in enumerate(text):
        visible = not ch.isspace() and unicodedata.category(ch)[0] not in ("C", "Z")
        if visible:
            assert i in covered, (text, i, ch)


def test_non_string_input_does_not_raise():
    assert TOK.encode(None).tokens == ()
    assert [t.surface for t in TOK.encode(12).tokens] == ["12"]


BILINGUAL = Tokenizer(BILINGUAL_WORDS, max_len=24)


def test_chinese_words_of_the_vocabulary_are_single_tokens():
    enc = BILINGUAL.encode("一个红色圆形，一个蓝色方形和一个绿色三角形")
    assert [t.surface for t in enc.tokens] == ["一个", "红色", "圆形", "，", "一个", "蓝色", "方形", "和", "一个", "绿色", "三角形"]
    assert not any(t.is_unk for t in enc.tokens)
    assert enc.tokens[3].norm == ","  # the full-width comma is the comma word
    for word in ZH_WORDS:
        assert BILINGUAL.encode(word).ids == [BILINGUAL.index[word]]


def test_segmentation_takes_the_longest_word_and_falls_back_to_characters():
    assert [t.surface for t in BILINGUAL.encode("红色的圆 三角 形三角形").tokens] == ["红色", "的", "圆", "三", "角", "形", "三角形"]
    # an English-only vocabulary (every first-generation checkpoint) still reads Chinese per character
    assert [t.surface for t in TOK.encode("一个红色圆形").tokens] == ["一", "个", "红", "色", "圆", "形"]


def test_english_is_tokenised_alike_by_both_vocabularies():
    text = "A Red circle, and a BLUE square?"
    assert [(t.surface, t.id) for t in BILINGUAL.encode(text).tokens] == [(t.surface, t.id) for t in TOK.encode(text).tokens]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("一个红色圆形方形三角形和蓝黄绿，的 a")), max_size=60))
def test_bilingual_spans_cover_the_input_in_order(text):
    enc = BILINGUAL.encode(text)
    joined = "".join(t.surface for t in enc.tokens)
    assert joined == "".join(ch for ch in text if not ch.isspace())[: len(joined)]
    for a, b in zip(enc.tokens, enc.tokens[1:]):
        assert a.end <= b.start
    # characters are joined only into vocabulary words
    assert all(t.norm in BILINGUAL.index for t in enc.tokens if len(t.surface) > 1 and "a" not in t.surface)
