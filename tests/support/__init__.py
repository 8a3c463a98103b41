"""Helpers shared by the test suite (not fixtures: plain functions)."""
