"""Guanxi (关系): a metadata-driven customer relationship platform."""

__version__ = "0.1.0"
