"""Contribution tools: add, import, refresh, fmt, and the metadata sources they ask."""
