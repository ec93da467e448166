"""Benchmarks (`make bench`): figures printed as ratios against baselines from the same run."""
