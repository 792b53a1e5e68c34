"""Captured attention as immutable records, pure reductions over them, and npz I/O."""
