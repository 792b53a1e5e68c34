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
