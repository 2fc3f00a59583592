"""The Browse page and the compact index its script filters (docs/assets/medssl/browse.js).

The index is one JSON file of positional rows, newest paper first, so that 10,000 papers stay a
few megabytes and the script can filter them on every keystroke without touching the network.
"""

from __future__ import annotations

import json

from schema import Catalog, Paper
from site_builder.render.citation_exports import FORMATS
from site_builder.render.folding import fold
from site_builder.render.html import html_environment, paper_url
from site_builder.render.licences import allows_commercial_use

BROWSE_INDEX_PATH = "assets/medssl/browse-index.json"
# Facets the Browse page filters on, in the order it shows them.
FACETS = ("modality", "task", "method", "dimension", "venue")
# One row per paper; the script reads the columns by these names.
COLUMNS = (
    "id",
    "title",
    "authors",
    "year",
    "month",
    "venue",
    "modality",
    "task",
    "method",
    "dimension",
    "code",
    "refs",
    "weights",
    "commercial",
    "scope",
    "text",
)


def has_weights(paper: Paper) -> bool:
    return bool(paper.weights)


def weights_allow_commercial_use(paper: Paper) -> bool:
    """Some released weights of the paper come under a licence that allows commercial use (licences.py)."""
    return any(allows_commercial_use(weights.license) for weights in paper.weights or ())


def _search_text(paper: Paper, venue_label: str) -> str:
    """What the free-text filter matches: title, authors, venue, pretext, data sets, tags, ids."""
    parts = [
        paper.title,
        *(paper.authors or []),
        venue_label,
        *(paper.pretext or []),
        *(paper.pretraining_data or []),
        *(paper.tags or []),
        paper.id,
        paper.arxiv or "",
        paper.doi or "",
    ]
    return fold(" ".join(part for part in parts if part))


def browse_index(catalog: Catalog) -> dict[str, object]:
    taxonomy = catalog.taxonomy
    used = {facet: {value for paper in catalog.papers for value in (getattr(paper, facet) or [])} for facet in FACETS}
    used["venue"] = {paper.venue for paper in catalog.papers}
    facets = {
        facet: [[term_id, taxonomy.label(facet, term_id)] for term_id in taxonomy.ids(facet) if term_id in used[facet]]
        for facet in FACETS
    }
    position = {facet: {term_id: index for index, (term_id, _) in enumerate(facets[facet])} for facet in FACETS}
    rows = []
    for paper in catalog.newest_first():
        venue_label = taxonomy.label("venue", paper.venue)
        rows.append(
            [
                paper.id,
                paper.title,
                ", ".join(paper.authors[:3]) + (" et al." if len(paper.authors) > 3 else "") if paper.authors else "",
                paper.year,
                paper.month or 0,
                position["venue"][paper.venue],
                [position["modality"][value] for value in paper.modality],
                [position["task"][value] for value in paper.task],
                [position["method"][value] for value in paper.method],
                [position["dimension"][value] for value in paper.dimension or []],
                paper.links.code or "",
                len(paper.refs or []),
                int(has_weights(paper)),
                int(weights_allow_commercial_use(paper)),
                paper.scope,
                _search_text(paper, venue_label),
            ]
        )
    return {"columns": list(COLUMNS), "facets": facets, "papers": rows, "paper_url": paper_url("{id}")}


def render_browse_index(catalog: Catalog) -> str:
    # Compact separators: this file is fetched, not read by people (papers.json is for them).
    return json.dumps(browse_index(catalog), ensure_ascii=False, separators=(",", ":")) + "\n"


def render_browse_page(catalog: Catalog) -> str:
    template = html_environment().get_template("site_browse.md.j2")
    return template.render(total=len(catalog.papers), index_url="../" + BROWSE_INDEX_PATH, export_formats=FORMATS)
