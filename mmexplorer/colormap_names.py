"""The colormaps the user picks from, by name: for menus that must not wait for numpy (mmexplorer.colours)."""

COLORMAPS = ("inferno", "viridis", "plasma", "cividis", "turbo", "grey")
