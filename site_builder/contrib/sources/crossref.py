"""Crossref's REST API (`/works/{doi}`): the publisher's record of title, authors, venue and date."""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import quote

from site_builder.contrib.sources.metadata import PaperMetadata, clean_text
from site_builder.contrib.sources.openalex import WorkRecord
from site_builder.http_client import FetchError, MetadataClient, NotFound

DEFAULT_URL = "https://api.crossref.org"


def api_url() -> str:
    return (os.environ.get("MEDSSL_CROSSREF_URL") or DEFAULT_URL).rstrip("/")


def fetch_crossref(client: MetadataClient, doi: str) -> PaperMetadata:
    try:
        fetched = client.get(f"{api_url()}/works/{quote(doi, safe='/()._-;:')}")
    except NotFound:
        raise NotFound(f"Crossref has no DOI {doi}") from None
    return parse_crossref_work(fetched.content, doi, fetched.url)


def parse_crossref_work(content: bytes, doi: str, source_url: str) -> PaperMetadata:
    try:
        document = json.loads(content)
        work = document["message"]
        if not isinstance(work, dict):
            raise TypeError("message is not an object")
    except (ValueError, KeyError, TypeError) as error:
        raise FetchError(f"{source_url}: Crossref answered with malformed JSON ({error})") from None
    title = clean_text(" ".join(_strings(work.get("title"))))
    if not title:
        raise FetchError(f"{source_url}: the Crossref record has no title")
    authors, families = [], []
    for person in work.get("author") or []:
        if not isinstance(person, dict):
            continue
        given, family = clean_text(str(person.get("given", ""))), clean_text(str(person.get("family", "")))
        name = " ".join(part for part in (given, family) if part) or clean_text(str(person.get("name", "")))
        if name:
            authors.append(name)
            families.append(family or None)
    year, month = _date(work)
    # Proceedings name the conference in `event`; journals in container-title; LNCS chapters in both.
    event = work.get("event") if isinstance(work.get("event"), dict) else {}
    venues = [*_strings(event.get("name")), *_strings(work.get("container-title"))]
    venues += _strings(work.get("short-container-title"))
    abstract = clean_text(str(work.get("abstract") or "")) or None
    return PaperMetadata(
        title=title,
        authors=tuple(authors),
        first_author_family=families[0] if families else None,
        year=year,
        month=month,
        venue_names=tuple(dict.fromkeys(clean_text(venue) for venue in venues if clean_text(venue))),
        doi=str(work.get("DOI") or doi),
        abstract=abstract,
        sources=(source_url,),
    )


def _date(work: dict[str, Any]) -> tuple[int | None, int | None]:
    # The date is the citation date of a journal paper; online-first comes earlier.
    for key in ("published-print", "published", "issued", "published-online"):
        parts = (work.get(key) or {}).get("date-parts") or [[]]
        first = parts[0] if parts and isinstance(parts[0], list) else []
        if first and isinstance(first[0], int):
            month = first[1] if len(first) > 1 and isinstance(first[1], int) and 1 <= first[1] <= 12 else None
            return first[0], month
    return None, None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


# Crossref marks a retracted work with `updated-by` entries that name the notice (the notice
# itself carries the mirror image, `update-to`); corrections use the same field.
_RETRACTION_TYPES = {"retraction", "removal", "withdrawal"}


def fetch_crossref_record(client: MetadataClient, doi: str) -> WorkRecord:
    """The publisher's record for `doi`, with its venue and any retraction notice."""
    try:
        fetched = client.get(f"{api_url()}/works/{quote(doi, safe='/()._-;:')}")
    except NotFound:
        raise NotFound(f"Crossref has no DOI {doi}") from None
    metadata = parse_crossref_work(fetched.content, doi, fetched.url)
    work = json.loads(fetched.content)["message"]  # well-formed: parse_crossref_work checked it
    notice, date = None, None
    others: list[tuple[str, str]] = []
    for update in work.get("updated-by") or []:
        if not isinstance(update, dict) or not update.get("DOI"):
            continue
        kind = str(update.get("type", "")).casefold()
        if kind not in _RETRACTION_TYPES:  # a correction, erratum or expression of concern: reported, not applied
            others.append((kind or "update", f"https://doi.org/{update['DOI']}"))
            continue
        if notice is None:
            notice = f"https://doi.org/{update['DOI']}"
            parts = (update.get("updated") or {}).get("date-parts") or [[]]
            first = parts[0] if parts and isinstance(parts[0], list) else []
            if len(first) == 3 and all(isinstance(part, int) for part in first):
                date = f"{first[0]:04d}-{first[1]:02d}-{first[2]:02d}"
    return WorkRecord(
        metadata=metadata,
        published_venues=metadata.venue_names,
        is_retracted=notice is not None,
        retraction_notice=notice,
        retraction_date=date,
        other_notices=tuple(others),
    )
