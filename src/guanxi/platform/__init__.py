"""The three engines and shared services every module builds on."""
