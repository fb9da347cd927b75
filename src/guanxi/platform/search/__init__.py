"""Global search across objects."""
