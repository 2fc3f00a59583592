"""Pydantic models for the catalog: the single source of truth for what an entry may hold.

This package imports nothing else of the project, so any tool can depend on it.
"""

from schema.catalog import Catalog, CatalogIssue, find_catalog_issues, normalise_title
from schema.paper import Links, Paper, Result
from schema.resource import Resource, ResourceFile
from schema.taxonomy import Taxonomy, Term, VocabularyError

__all__ = [
    "Catalog",
    "CatalogIssue",
    "Links",
    "Paper",
    "Resource",
    "ResourceFile",
    "Result",
    "Taxonomy",
    "Term",
    "VocabularyError",
    "find_catalog_issues",
    "normalise_title",
]
