"""`medssl add`: scaffold one catalog entry from an arXiv id, a DOI or a one-entry BibTeX file.

arXiv and Crossref are the primary sources; Semantic Scholar stands in when they fail and
supplies the abstract Crossref often lacks (used only for proposals, never written).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from pathlib import Path

from schema import Exclusion
from site_builder.catalog import paths
from site_builder.catalog.load import PAPERS_DIR, display_path
from site_builder.catalog.problems import ProblemsFound, UsageError
from site_builder.contrib.bibtex_import import read_single_entry
from site_builder.contrib.catalog_index import CatalogIndex, Existing, exclusion_message, load_taxonomy_or_fail
from site_builder.contrib.new_entry import WORTH_ADDING, Draft, build_draft, create_entry_file
from site_builder.contrib.sources.arxiv import fetch_arxiv
from site_builder.contrib.sources.crossref import fetch_crossref
from site_builder.contrib.sources.identifiers import parse_reference
from site_builder.contrib.sources.metadata import PaperMetadata
from site_builder.contrib.sources.semantic_scholar import fetch_semantic_scholar
from site_builder.http_client import FetchError, MetadataClient, NotFound, default_cache_dir


class DuplicatePaper(ProblemsFound):
    """The paper is already in the catalog; the message names the file."""

    def __init__(self, existing: Existing) -> None:
        super().__init__(f"already in the catalog: {existing}")
        self.existing = existing


class ExcludedPaper(ProblemsFound):
    """The paper was considered before and left out; catalog/excluded.yaml says why."""

    def __init__(self, exclusion: Exclusion) -> None:
        super().__init__(f"{exclusion.title!r}: {exclusion_message(exclusion)} (catalog/excluded.yaml)")
        self.exclusion = exclusion


@dataclass(frozen=True)
class Added:
    path: Path
    draft: Draft
    sources: tuple[str, ...]
    warnings: tuple[str, ...]


def fetch_metadata(client: MetadataClient, kind: str, identifier: str) -> tuple[PaperMetadata, list[str]]:
    """The best record for an arXiv id or DOI, and warnings about sources that failed along the way."""
    warnings: list[str] = []
    primary = fetch_arxiv if kind == "arxiv" else fetch_crossref
    try:
        metadata = primary(client, identifier)
    except FetchError as error:
        if kind == "arxiv" and isinstance(error, NotFound):
            raise  # arXiv is the authority on its own ids
        try:
            metadata = fetch_semantic_scholar(client, kind, identifier)
        except FetchError as fallback_error:
            raise FetchError(f"{error}; fallback: {fallback_error}") from None
        warnings.append(f"{error}; used Semantic Scholar instead")
    if kind == "arxiv" and metadata.doi:
        # Published since: the publisher's record decides title, venue and year; arXiv keeps its id.
        try:
            published = fetch_crossref(client, metadata.doi)
        except FetchError as error:
            warnings.append(f"{error}; venue and year are arXiv's, check them against the published version")
        else:
            metadata = replace(
                published,
                arxiv=metadata.arxiv,
                abstract=published.abstract or metadata.abstract,
                sources=tuple(dict.fromkeys((*metadata.sources, *published.sources))),
            )
    if not metadata.abstract:
        try:
            extra = fetch_semantic_scholar(client, "doi" if metadata.doi else "arxiv", metadata.doi or identifier)
        except FetchError as error:
            warnings.append(f"no abstract to propose from ({error})")
        else:
            metadata = replace(metadata, abstract=extra.abstract)  # for proposals only, so not a source
    return metadata, warnings


def add_paper(
    root: Path,
    reference: str | None = None,
    bibtex: Path | None = None,
    *,
    offline: bool = False,
    today: datetime.date | None = None,
    client: MetadataClient | None = None,
) -> Added:
    """Write catalog/papers/<id>.yaml for one paper; DuplicatePaper if the catalog already has it."""
    if (reference is None) == (bibtex is None):
        raise UsageError("give an arXiv id or DOI, or --bibtex FILE (not both)")
    catalog_dir = paths.catalog_dir(root)
    taxonomy = load_taxonomy_or_fail(root)
    index = CatalogIndex.of_catalog(catalog_dir, taxonomy)
    warnings: list[str] = []
    if bibtex is not None:
        metadata = read_single_entry(bibtex)
    else:
        kind, identifier = parse_reference(reference or "")
        existing = index.find(doi=identifier if kind == "doi" else None, arxiv=identifier if kind == "arxiv" else None)
        if existing:
            raise DuplicatePaper(existing)  # before any network use
        excluded = index.find_excluded(
            doi=identifier if kind == "doi" else None, arxiv=identifier if kind == "arxiv" else None
        )
        if excluded:
            raise ExcludedPaper(excluded)
        own_client = client is None
        client = client or MetadataClient(default_cache_dir(root), offline=offline)
        try:
            metadata, warnings = fetch_metadata(client, kind, identifier)
        finally:
            if own_client:
                client.close()
    existing = index.find(title=metadata.title, doi=metadata.doi, arxiv=metadata.arxiv)
    if existing:
        raise DuplicatePaper(existing)
    excluded = index.find_excluded(title=metadata.title, doi=metadata.doi, arxiv=metadata.arxiv)
    if excluded:
        raise ExcludedPaper(excluded)
    draft = build_draft(metadata, taxonomy, today or datetime.date.today())
    path = create_entry_file(catalog_dir / PAPERS_DIR, draft.base_id, draft.text)
    return Added(path, draft, metadata.sources, tuple(warnings))


def report_lines(added: Added) -> list[str]:
    """What `medssl add` prints: the file, where its facts came from, and what is left to do."""
    shown = display_path(added.path)
    lines = [f"wrote {shown}"]
    lines += [f"  facts from: {source}" for source in added.sources] or ["  facts from: the BibTeX entry"]
    lines += [f"warning: {warning}" for warning in added.warnings]
    lines += [f"note: {note}" for note in added.draft.notes]
    lines.append("Left to do in that file before `medssl validate` passes:")
    lines += [f"  - {item}" for item in added.draft.todo]
    lines.append(f"Worth adding if you can verify it: {WORTH_ADDING}")
    lines.append(f"Then check it: .venv/bin/medssl validate {shown}")
    return lines
