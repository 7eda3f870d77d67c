"""Eligo service: persistence, import, API and command line."""

__version__ = "0.1.0"
