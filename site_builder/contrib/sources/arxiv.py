"""arXiv's API (an Atom feed): title, authors, first-version date, abstract, and DOI/journal reference."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ElementTree

from site_builder.contrib.sources.identifiers import strip_version
from site_builder.contrib.sources.metadata import PaperMetadata, clean_text
from site_builder.http_client import FetchError, MetadataClient, NotFound

DEFAULT_URL = "https://export.arxiv.org/api/query"
_NS = {"atom": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom"}


def api_url() -> str:
    return os.environ.get("MEDSSL_ARXIV_URL") or DEFAULT_URL


def fetch_arxiv(client: MetadataClient, arxiv_id: str) -> PaperMetadata:
    fetched = client.get(api_url(), params={"id_list": arxiv_id, "max_results": "1"})
    return parse_arxiv_feed(fetched.content, arxiv_id, fetched.url)


def parse_arxiv_feed(content: bytes, arxiv_id: str, source_url: str) -> PaperMetadata:
    """The one entry of an arXiv API answer; NotFound when arXiv has no such paper."""
    try:
        feed = ElementTree.fromstring(content)
    except ElementTree.ParseError as error:
        raise FetchError(f"{source_url}: arXiv answered with malformed XML ({error})") from None
    entries = feed.findall("atom:entry", _NS)
    wanted = strip_version(arxiv_id)
    for entry in entries:
        entry_id = _text(entry, "atom:id")
        if "/api/errors" in entry_id:  # arXiv reports a bad id as an entry titled "Error"
            raise NotFound(f"arXiv: {_text(entry, 'atom:summary') or 'no such paper'} ({arxiv_id})")
        if strip_version(entry_id.rsplit("/abs/", 1)[-1]) == wanted:
            return _metadata(entry, wanted, source_url)
    raise NotFound(f"arXiv has no paper {arxiv_id}")


def _metadata(entry: ElementTree.Element, arxiv_id: str, source_url: str) -> PaperMetadata:
    title = clean_text(_text(entry, "atom:title"))
    if not title:
        raise FetchError(f"{source_url}: the arXiv entry has no title")
    published = _text(entry, "atom:published")  # the first version's date, e.g. 2019-08-19T17:02:37Z
    year = int(published[:4]) if published[:4].isdigit() else None
    month = int(published[5:7]) if published[5:7].isdigit() else None
    authors = tuple(clean_text(name.text or "") for name in entry.findall("atom:author/atom:name", _NS))
    journal_ref = clean_text(_text(entry, "arxiv:journal_ref"))
    return PaperMetadata(
        title=title,
        authors=tuple(author for author in authors if author),
        year=year,
        month=month,
        # A journal reference names where it was published; without one it is an arXiv preprint.
        venue_names=(journal_ref,) if journal_ref else ("arXiv",),
        doi=clean_text(_text(entry, "arxiv:doi")) or None,
        arxiv=arxiv_id,
        abstract=clean_text(_text(entry, "atom:summary")) or None,
        sources=(source_url,),
    )


def _text(element: ElementTree.Element, path: str) -> str:
    found = element.find(path, _NS)
    return (found.text or "").strip() if found is not None else ""
