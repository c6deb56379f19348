"""Regression tests of issue 17: one per defect, each named after what it protects."""
