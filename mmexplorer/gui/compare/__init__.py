"""The compare panel: the same image and text through every model, side by side."""
