"""The catalog as data files for download: papers.json (every field) and papers.csv (one row per paper)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from schema import Catalog, Paper

# CSV columns; lists are joined with "; ". Results are nested, so they are in papers.json only.
CSV_COLUMNS = (
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
    "pretext",
    "scope",
    "arxiv",
    "doi",
    "url",
    "pdf",
    "code",
    "weights",
    "project",
    "license",
    "pretraining_data",
    "summary",
    "refs",
    "added",
    "tags",
)
LIST_SEPARATOR = "; "


def paper_record(paper: Paper) -> dict[str, Any]:
    """A paper as plain JSON data: its fields as validated (ids, not labels), plus its best `url`."""
    record = paper.model_dump(mode="json", exclude_none=True)
    record["url"] = paper.url
    if not record.get("links"):
        record.pop("links", None)
    return record


def render_papers_json(catalog: Catalog) -> str:
    """Every paper, sorted by id, with the vocabularies that give the ids their labels."""
    taxonomy = catalog.taxonomy
    document = {
        "description": "Self-supervised learning papers for medical imaging; fields as in schema/paper.schema.json.",
        "count": len(catalog.papers),
        "vocabularies": {
            vocabulary: {term_id: taxonomy.label(vocabulary, term_id) for term_id in taxonomy.ids(vocabulary)}
            for vocabulary in ("modality", "task", "method", "dimension", "venue")
        },
        "papers": [paper_record(paper) for paper in catalog.papers],
    }
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection); a
# leading apostrophe makes it text again, as OWASP recommends.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _neutralise_formula(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def _csv_value(paper: Paper, column: str) -> str:
    if column == "url":
        return paper.url
    if column in ("pdf", "code", "weights", "project"):
        return getattr(paper.links, column) or ""
    value = getattr(paper, column)
    if value is None:
        return ""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(item) for item in value)
    return str(value)


def render_papers_csv(catalog: Catalog) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180 line ends
    writer.writerow(CSV_COLUMNS)
    for paper in catalog.papers:
        writer.writerow([_neutralise_formula(_csv_value(paper, column)) for column in CSV_COLUMNS])
    return buffer.getvalue()
