"""Pydantic models for the catalog: the single source of truth for what an entry may hold.

This package imports nothing else of the project, so any tool can depend on it.
"""

from schema.catalog import (
    Catalog,
    CatalogIssue,
    find_catalog_issues,
    find_dangling_baselines,
    find_exclusion_overlaps,
    normalise_title,
)
from schema.dataset import Dataset, DatasetError, DatasetFile
from schema.excluded import ExcludedFile, Exclusion
from schema.paper import PROTOCOLS, Links, Paper, Result, Retraction, Weights
from schema.resource import Resource, ResourceFile
from schema.taxonomy import Taxonomy, Term, VocabularyError

__all__ = [
    "PROTOCOLS",
    "Catalog",
    "CatalogIssue",
    "Dataset",
    "DatasetError",
    "DatasetFile",
    "ExcludedFile",
    "Exclusion",
    "Links",
    "Paper",
    "Resource",
    "ResourceFile",
    "Result",
    "Retraction",
    "Taxonomy",
    "Term",
    "VocabularyError",
    "Weights",
    "find_catalog_issues",
    "find_dangling_baselines",
    "find_exclusion_overlaps",
    "normalise_title",
]
