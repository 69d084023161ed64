"""Benchmarks: `python -m bench <name>` runs bench/<name>.py; each prints lines, then one JSON."""
