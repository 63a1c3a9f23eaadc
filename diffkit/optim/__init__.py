"""diffkit.optim (being built)."""
