"""Training a model inside the explorer: a worker thread running engine.train, and its panel."""
