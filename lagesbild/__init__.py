"""Lägesbild: the worker behind a county's mailbox for monthly social-risk reports."""

__version__ = "0.1.0"
