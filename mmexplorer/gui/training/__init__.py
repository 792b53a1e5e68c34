"""Training a model inside the explorer: an engine process running engine.train, and its panel."""
