"""Plain functions the GUI worker and the CLI call: load models, probe, train, evaluate."""
