"""Inputs: images, text tokens, and the synthetic shapes world."""
