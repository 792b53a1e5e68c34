"""The public Python API's implementation; import it as `mmexplorer` (see mmexplorer/__init__.py and docs/api.md).

Everything here is reached through the names mmexplorer.__all__ lists; the
modules themselves are private. Only _engine.py calls into the engine (and so
imports torch), so reading records and results stores needs numpy alone.
"""
