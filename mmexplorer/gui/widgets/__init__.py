"""Small reusable widgets (inputs, chips, controls) composed by the main window."""
