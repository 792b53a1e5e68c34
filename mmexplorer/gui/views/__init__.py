"""One module per view; every view reads the AppState and redraws from the cached record."""
