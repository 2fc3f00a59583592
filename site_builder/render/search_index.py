"""The header search's index (docs/assets/medssl/search.js): one record per paper, topic, resource and page.

Each record holds its fields already folded to lower-case words separated by single spaces, so the
script only has to look for " word" in a few short strings: a query over 10,000 papers takes a few
milliseconds, and the index is one file fetched once. (Pagefind, measured on the 10,000-paper
site, needed 0.4-0.8 s for words that most papers share.)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from schema import Catalog
from site_builder.render.browse import FACETS
from site_builder.render.folding import fold
from site_builder.render.html import facet_url, http_url, paper_url
from site_builder.render.leaderboards import dataset_url
from site_builder.render.listing_pages import facet_terms

SEARCH_INDEX_PATH = "assets/medssl/search-index.json"
# A record: what a result shows (url .. year), then the folded words it is matched on; the script
# weighs a match by the field it is in (title over subtitle over facets over text).
COLUMNS = (
    "url",
    "kind",
    "title",
    "subtitle",
    "text",
    "year",
    "title_words",
    "subtitle_words",
    "facets_words",
    "text_words",
)


@dataclass(frozen=True)
class SitePage:
    """A hand-written page: its site URL, title and plain text."""

    url: str
    title: str
    text: str


def _record(url: str, kind: str, title: str, subtitle: str, facets: str, text: str, year: int) -> list[object]:
    return [url, kind, title, subtitle, text, year, fold(title), fold(subtitle), fold(facets), fold(text)]


def search_records(catalog: Catalog, pages: Sequence[SitePage] = ()) -> list[list[object]]:
    """Rows of COLUMNS: papers (newest first), then topics, datasets, resources and hand-written pages."""
    taxonomy = catalog.taxonomy
    records: list[list[object]] = []
    for paper in catalog.newest_first():
        venue = taxonomy.label("venue", paper.venue)
        authors = ", ".join(paper.authors[:3]) + (" et al." if len(paper.authors) > 3 else "") if paper.authors else ""
        subtitle = " · ".join(part for part in (authors, f"{venue} {paper.year}") if part)
        labels = [taxonomy.label(facet, value) for facet in FACETS[:4] for value in getattr(paper, facet) or []]
        extra = [*(paper.pretext or []), *(paper.pretraining_data or []), *(paper.tags or [])]
        identifiers = [*(paper.authors or []), paper.id, paper.arxiv or "", paper.doi or ""]
        kind = "paper" if paper.scope == "medical" else "foundations"
        facets = " ".join([*labels, *extra, *identifiers])
        records.append(
            _record(paper_url(paper.id), kind, paper.title, subtitle, facets, paper.summary or "", paper.year)
        )
    for facet in ("modality", "task", "method"):
        for term in facet_terms(catalog, facet):
            count = f"{len(term.papers)} paper{'s' * (len(term.papers) != 1)}"
            url = facet_url(facet, term.value)
            records.append(_record(url, facet, term.label, count, term.value, term.description, 0))
    for dataset in catalog.datasets.datasets:
        modalities = ", ".join(taxonomy.label("modality", modality) for modality in dataset.modality)
        words = " ".join([dataset.id, *dataset.aliases])
        records.append(
            _record(dataset_url(dataset.id), "dataset", dataset.name, modalities, words, dataset.description, 0)
        )
    for resource in catalog.resources:
        url = http_url(resource.url) or "resources/"
        subtitle = " · ".join(str(part) for part in (", ".join(resource.authors or []), resource.year) if part)
        kind = resource.kind.replace("-", " ")
        records.append(_record(url, kind, resource.title, subtitle, "", resource.note or "", resource.year or 0))
    for page in pages:
        records.append(_record(page.url, "page", page.title, "", "", page.text, 0))
    return records


def render_search_index(catalog: Catalog, pages: Sequence[SitePage] = ()) -> str:
    document = {"columns": list(COLUMNS), "records": search_records(catalog, pages)}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"
