"""The desktop explorer (PySide6 + pyqtgraph).

The window's process never imports torch, transformers or mmexplorer.models:
every model lives in an engine process (mmexplorer/engine/service.py, started
by gui/engine_client.py once the window is up); only torch-free engine modules
(calls, wire, catalog, paths, recipes) are imported here.
"""
