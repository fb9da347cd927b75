"""Benchmarks of Guanxi against the raw database (``make bench`` → ``python -m bench.run``)."""
