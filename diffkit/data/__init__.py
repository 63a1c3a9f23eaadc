"""diffkit.data (being built)."""
