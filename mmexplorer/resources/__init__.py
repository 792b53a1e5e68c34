"""Files shipped with the program: bundled models, model variants, sample pictures, icons.

A package of its own so that `importlib.resources` finds it wherever mmexplorer is
installed (a wheel, an editable checkout, a zip-free site-packages).
"""
