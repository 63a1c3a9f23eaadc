"""diffkit.plot (being built)."""
