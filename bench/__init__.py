"""Benchmark of the tracker at Midwest and Flanders scale (`python -m bench`).

Not part of the test suite; see bench/README.md.
"""
