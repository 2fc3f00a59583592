"""OpenAlex's REST API (`/works/doi:…`, `/works?filter=title.search:…`): where a paper was published.

OpenAlex merges a preprint with its published version into one work whose `locations` list
both, so one record answers "has this arXiv paper appeared in a journal or proceedings?". It
also flags retractions (`is_retracted`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from site_builder.contrib.sources.metadata import PaperMetadata, clean_text, family_name
from site_builder.http_client import FetchError, MetadataClient, NotFound

DEFAULT_URL = "https://api.openalex.org"
# Location sources that are preprint servers or archives, not a venue of publication.
_NOT_A_VENUE = {"repository", "ebook platform", "other"}
_PREPRINT_DOI_PREFIXES = ("10.48550/", "10.1101/")  # arXiv (DataCite) and bioRxiv/medRxiv


def api_url() -> str:
    return (os.environ.get("MEDSSL_OPENALEX_URL") or DEFAULT_URL).rstrip("/")


@dataclass(frozen=True)
class WorkRecord:
    """What a bibliographic record says about one work, for `medssl refresh` to compare."""

    metadata: PaperMetadata  # title, authors, year, DOI, source URL
    published_venues: tuple[str, ...] = ()  # journals or proceedings it appeared in, best first
    is_retracted: bool = False
    retraction_notice: str | None = None  # URL of the notice, when the record names one
    retraction_date: str | None = None  # YYYY-MM-DD, when the record gives it
    other_notices: tuple[tuple[str, str], ...] = ()  # (kind, URL) of corrections, errata, concerns


def is_preprint_doi(doi: str) -> bool:
    return doi.casefold().startswith(_PREPRINT_DOI_PREFIXES)


def fetch_openalex_by_doi(client: MetadataClient, doi: str) -> WorkRecord:
    url = f"{api_url()}/works/doi:{quote(doi, safe='/()._-;:')}"
    try:
        fetched = client.get(url)
    except NotFound:
        raise NotFound(f"OpenAlex has no work with DOI {doi}") from None
    return parse_openalex_work(_json(fetched.content, fetched.url), fetched.url)


def fetch_openalex_by_arxiv(client: MetadataClient, arxiv: str) -> WorkRecord:
    # arXiv registers a DataCite DOI for every paper; OpenAlex resolves it to the merged work.
    return fetch_openalex_by_doi(client, f"10.48550/arXiv.{arxiv}")


def search_openalex_by_title(client: MetadataClient, title: str) -> list[WorkRecord]:
    """Works whose title matches the words of `title`, best first (at most 5)."""
    words = clean_text(title).replace(",", " ")
    fetched = client.get(f"{api_url()}/works", params={"filter": f"title.search:{words}", "per-page": "5"})
    document = _json(fetched.content, fetched.url)
    results = document.get("results")
    if not isinstance(results, list):
        raise FetchError(f"{fetched.url}: OpenAlex answered without a results list")
    return [parse_openalex_work(work, fetched.url) for work in results if isinstance(work, dict)]


def parse_openalex_work(work: Any, source_url: str) -> WorkRecord:
    if not isinstance(work, dict):
        raise FetchError(f"{source_url}: OpenAlex answered with something that is not a work")
    title = clean_text(str(work.get("title") or work.get("display_name") or ""))
    if not title:
        raise FetchError(f"{source_url}: the OpenAlex record has no title")
    authors = []
    for authorship in work.get("authorships") or []:
        if not isinstance(authorship, dict):
            continue
        author = authorship.get("author") if isinstance(authorship.get("author"), dict) else {}
        name = clean_text(str(author.get("display_name") or authorship.get("raw_author_name") or ""))
        if name:
            authors.append(name)
    doi = str(work.get("doi") or "").removeprefix("https://doi.org/") or None
    year = work.get("publication_year") if isinstance(work.get("publication_year"), int) else None
    venues = []
    locations = [work.get("primary_location"), *(work.get("locations") or [])]
    for location in locations:
        source = location.get("source") if isinstance(location, dict) else None
        if isinstance(source, dict) and source.get("type") not in _NOT_A_VENUE and source.get("display_name"):
            venues.append(clean_text(str(source["display_name"])))
    metadata = PaperMetadata(
        title=title,
        authors=tuple(authors),
        first_author_family=family_name(authors[0]) if authors else None,
        year=year,
        doi=doi,
        sources=(source_url,),
    )
    return WorkRecord(
        metadata=metadata,
        published_venues=tuple(dict.fromkeys(venues)),
        is_retracted=work.get("is_retracted") is True,
    )


def _json(content: bytes, url: str) -> dict[str, Any]:
    try:
        document = json.loads(content)
    except ValueError as error:
        raise FetchError(f"{url}: OpenAlex answered with malformed JSON ({error})") from None
    if not isinstance(document, dict):
        raise FetchError(f"{url}: OpenAlex answered with malformed JSON (not an object)")
    return document
