"""Benchmarks: speed and memory goals, measured outside the test suite."""
