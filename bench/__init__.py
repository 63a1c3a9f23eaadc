"""Benchmarks of diffkit against peer libraries, reported as ratios measured in one run."""
