"""Benchmarks: `make bench` (or `python -m benchmarks.run`) prints medians and writes benchmarks/results/latest.json."""
