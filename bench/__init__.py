"""Benchmarks: a synthetic company at three scales, run through the real importers and the real API."""
