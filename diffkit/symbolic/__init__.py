"""diffkit.symbolic (being built)."""
