"""The pipe between the window's process and the engine process, as its own package.

calls.py holds the messages (frozen dataclasses of plain values), wire.py how
they are written without pickle, pipes.py the two one-way pipes, sent_images.py
how a picture crosses once, spawn.py the engine's entry point by name, and
recipes.py the training recipes a Train call names. Nothing here imports torch,
Qt, the engine or the models: the window imports this package and never the
engine (import-linter contracts in pyproject.toml hold both to it).
"""
