"""Objects and fields as metadata, materialised as real tables at runtime."""
