"""Metadata clients: arXiv, Crossref and Semantic Scholar over one polite, cached HTTP session."""
