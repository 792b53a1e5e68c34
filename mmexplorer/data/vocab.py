"""The shapes-world vocabulary shared by the bundled models.

Kept in the checkpoint config, so a model never depends on this file after training.
"""

COLOURS = ("red", "green", "blue", "yellow")
SHAPES = ("circle", "square", "triangle")
ANSWERS = COLOURS + SHAPES + ("yes", "no")

WORDS = (
    ("a", "an", "the", "and", "with", "of", "is", "what", "which", "colour", "color", "shape",
     "there", "one", "two", "three", "?", ".", ",", "left", "right", "above", "below", "next", "to")
    + COLOURS
    + SHAPES
    + ("circles", "squares", "triangles")
)

# Chinese: the same scenes described word for word ("一个红色圆形，一个蓝色方形和一个绿色三角形").
# The tokenizer segments Chinese over the vocabulary's multi-character words, so each of these is one token;
# the full-width comma "，" normalises (NFKC) to ",", already a word.
ZH_COLOURS = {"red": "红色", "green": "绿色", "blue": "蓝色", "yellow": "黄色"}
ZH_SHAPES = {"circle": "圆形", "square": "方形", "triangle": "三角形"}
ZH_WORDS = ("一个", "和") + tuple(ZH_COLOURS.values()) + tuple(ZH_SHAPES.values())
LANGUAGES = ("en", "zh")

# The vocabulary of bilingual models; the English-only WORDS stays the vocabulary of the first bundled models.
BILINGUAL_WORDS = WORDS + ZH_WORDS
COLOUR_WORDS = frozenset(COLOURS) | frozenset(ZH_COLOURS.values())  # colour words of every language
SHAPE_WORDS = frozenset(SHAPES) | frozenset(ZH_SHAPES.values())


def word_in(word: str, language: str) -> str:
    """A colour or shape word ("red", "circle") in `language`."""
    if language == "en":
        return word
    if language == "zh":
        return ZH_COLOURS.get(word) or ZH_SHAPES[word]
    raise ValueError(f"unknown language {language!r}; expected one of {', '.join(LANGUAGES)}")
