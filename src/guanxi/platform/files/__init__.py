"""Uploaded files referenced by file fields."""
