"""diffkit.numeric (being built)."""
