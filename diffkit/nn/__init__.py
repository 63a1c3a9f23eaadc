"""diffkit.nn (being built)."""
