"""Semantic Scholar's Graph API: a fallback when arXiv or Crossref fail, and the abstract Crossref lacks."""

from __future__ import annotations

import json
import os
from typing import Any

from site_builder.contrib.sources.metadata import PaperMetadata, clean_text
from site_builder.http_client import FetchError, MetadataClient, NotFound

DEFAULT_URL = "https://api.semanticscholar.org/graph/v1"
FIELDS = "title,authors,year,venue,publicationVenue,externalIds,abstract,publicationDate,journal"


def api_url() -> str:
    return (os.environ.get("MEDSSL_S2_URL") or DEFAULT_URL).rstrip("/")


def fetch_semantic_scholar(client: MetadataClient, kind: str, identifier: str) -> PaperMetadata:
    """`kind` is 'arxiv' or 'doi'; Semantic Scholar looks papers up as ARXIV:<id> or DOI:<doi>."""
    paper_id = f"{'ARXIV' if kind == 'arxiv' else 'DOI'}:{identifier}"
    try:
        fetched = client.get(f"{api_url()}/paper/{paper_id}", params={"fields": FIELDS})
    except NotFound:
        raise NotFound(f"Semantic Scholar has no paper {paper_id}") from None
    return parse_semantic_scholar_paper(fetched.content, fetched.url)


def parse_semantic_scholar_paper(content: bytes, source_url: str) -> PaperMetadata:
    try:
        paper = json.loads(content)
        if not isinstance(paper, dict):
            raise TypeError("not an object")
    except (ValueError, TypeError) as error:
        raise FetchError(f"{source_url}: Semantic Scholar answered with malformed JSON ({error})") from None
    title = clean_text(str(paper.get("title") or ""))
    if not title:
        raise FetchError(f"{source_url}: the Semantic Scholar record has no title")
    ids = paper.get("externalIds") if isinstance(paper.get("externalIds"), dict) else {}
    date = str(paper.get("publicationDate") or "")
    year = paper.get("year") if isinstance(paper.get("year"), int) else None
    month = int(date[5:7]) if len(date) >= 7 and date[5:7].isdigit() and year and date[:4] == str(year) else None
    return PaperMetadata(
        title=title,
        authors=tuple(
            clean_text(str(author.get("name")))
            for author in paper.get("authors") or []
            if isinstance(author, dict) and author.get("name")
        ),
        year=year,
        month=month,
        venue_names=_venues(paper, has_arxiv=bool(ids.get("ArXiv"))),
        doi=str(ids["DOI"]) if ids.get("DOI") else None,
        arxiv=str(ids["ArXiv"]) if ids.get("ArXiv") else None,
        abstract=clean_text(str(paper.get("abstract") or "")) or None,
        sources=(source_url,),
    )


def _venues(paper: dict[str, Any], has_arxiv: bool) -> tuple[str, ...]:
    names: list[str] = []
    venue = paper.get("publicationVenue")
    if isinstance(venue, dict):
        names += [str(venue.get("name") or ""), *(str(name) for name in venue.get("alternate_names") or [])]
    journal = paper.get("journal")
    if isinstance(journal, dict):
        names.append(str(journal.get("name") or ""))
    names.append(str(paper.get("venue") or ""))
    cleaned = [clean_text(name) for name in names if clean_text(name)]
    if not cleaned and has_arxiv:
        cleaned = ["arXiv"]
    return tuple(dict.fromkeys(cleaned))
