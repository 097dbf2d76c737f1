"""Helpers importable by name: REGISTRY[name] is the function."""

REGISTRY = {}
