"""The one exception exporters raise for settings that do not fit a record."""


class ExportError(ValueError):
    """A view, token, layer, head, method or path that cannot be exported; the message says why."""
