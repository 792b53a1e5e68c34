"""Performance measurements (`make bench`). Each reports ratios measured side by side in one run."""
