"""The desktop explorer (PySide6 + pyqtgraph).

Startup order matters: the window is shown before torch is imported, so no
module on the startup path imports torch, mmexplorer.engine or
mmexplorer.models at module level; the probe worker imports them in its own
thread once the window is up.
"""
