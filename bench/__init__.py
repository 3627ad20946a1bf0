"""Benchmarks. Each module runs alone (`python -m bench.<name>`); `python -m bench` runs all."""
