"""The one table of the explorer's views: a row per view, read by the tabs, the View menu, `gui --view`, the
export actions and the cell explainer.

Adding a view is one module under gui/views (a QWidget with the LazyRedraw mixin) and one row here. The
table names each view's class by a dotted path, so the window can build its tab bar and View menu before
pyqtgraph (behind the views) is imported.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Optional



def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 (the name lupdate looks for)
    """Marks a title for translation without importing Qt: the command line builds `gui --view` from this table."""
    return text


@dataclass(frozen=True)
class ViewEntry:
    name: str  # the tab's name: `mmexplorer gui --view`, the View menu, the last tab remembered
    title: str  # the tab title, in the "Views" translation context
    widget: str  # "module:Class" of the view
    figure: Optional[str]  # what `mmexplorer export --view` and File › Export draw of it (None: not exported)
    picks_cells: bool = False  # a click on an attention map picks a cell for the cell explainer

    def widget_class(self) -> type:
        module, _, cls = self.widget.partition(":")
        return getattr(importlib.import_module(module), cls)


VIEWS: tuple[ViewEntry, ...] = (
    ViewEntry("cross", QT_TRANSLATE_NOOP("Views", "Cross-modal"), "mmexplorer.gui.views.cross_modal:CrossModalView",
              "overlay", picks_cells=True),
    ViewEntry("self", QT_TRANSLATE_NOOP("Views", "Self-attention"), "mmexplorer.gui.views.self_attention:SelfAttentionView",
              "matrix", picks_cells=True),
    ViewEntry("patches", QT_TRANSLATE_NOOP("Views", "Patches && positions"), "mmexplorer.gui.views.patches:PatchesView",
              "positions"),
    ViewEntry("heads", QT_TRANSLATE_NOOP("Views", "Heads"), "mmexplorer.gui.views.heads:HeadsView", "heads"),
    ViewEntry("model", QT_TRANSLATE_NOOP("Views", "Model"), "mmexplorer.gui.views.summary:SummaryView", None),
)
BY_NAME = {v.name: v for v in VIEWS}
NAMES = tuple(v.name for v in VIEWS)  # in tab order
VIEW_TITLES = {v.name: v.title for v in VIEWS}


def figure_of(tab: str) -> Optional[str]:
    """The exported figure of a tab (the tool tabs: compare exports its own figure)."""
    view = BY_NAME.get(tab)
    return view.figure if view is not None else ("compare" if tab == "compare" else None)
