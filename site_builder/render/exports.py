"""The catalog as data files for download: papers.json (every field), papers.csv (one row per paper), and
results.json / results.csv (one row per reported result, in long form)."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from schema import Catalog, Paper, Result
from site_builder.render.leaderboards import metric_direction

# CSV columns; lists are joined with "; ". Results are nested: they are in papers.json and results.*.
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
    "project",
    "license",
    "weights_url",
    "weights_host",
    "weights_license",
    "weights_access",
    "weights_kind",
    "pretraining_data",
    "summary",
    "refs",
    "added",
    "checked",
    "retracted",
    "results",
    "tags",
)
# A paper's several weights blocks share one cell per field, in the same order; an unstated field is "".
WEIGHTS_COLUMNS = {f"weights_{name}": name for name in ("url", "host", "license", "access", "kind")}
RESULT_FIELDS = tuple(Result.model_fields)
# results.csv / results.json: the paper, then every Result field, then what the vocabularies add.
RESULT_COLUMNS = (
    "paper_id",
    "result_index",
    "doi",
    "arxiv",
    "paper_title",
    "paper_retracted",
    *RESULT_FIELDS,
    "dataset_name",
    "metric_direction",
    "metric_unit",
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
            for vocabulary in ("modality", "task", "method", "dimension", "venue", "metric")
        },
        "datasets": {dataset.id: dataset.name for dataset in catalog.datasets.datasets},
        "papers": [paper_record(paper) for paper in catalog.papers],
    }
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection); a
# leading apostrophe makes it text again, as OWASP recommends. A plain number ("-0.12") is no
# formula and stays as it is, so negative values remain numbers.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


def _neutralise_formula(cell: str) -> str:
    if cell.startswith(_FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def _csv_value(paper: Paper, column: str) -> str:
    if column == "url":
        return paper.url
    if column in ("pdf", "code", "project"):
        return getattr(paper.links, column) or ""
    if column in WEIGHTS_COLUMNS:
        return LIST_SEPARATOR.join(getattr(w, WEIGHTS_COLUMNS[column]) or "" for w in paper.weights or ())
    if column == "retracted":
        return paper.retracted.date.isoformat() if paper.retracted else ""
    if column == "results":
        return str(len(paper.results or ()))
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


def result_records(catalog: Catalog) -> list[dict[str, Any]]:
    """One record per result of every paper (retracted ones included, with their date), papers by id and
    results in file order; keys are RESULT_COLUMNS, an unstated field is None."""
    records = []
    for paper in catalog.papers:
        for index, result in enumerate(paper.results or ()):
            fields = result.model_dump(mode="json")
            direction, unit = metric_direction(catalog, result.metric)
            known = result.dataset in catalog.datasets
            records.append(
                {
                    "paper_id": paper.id,
                    "result_index": index,
                    "doi": paper.doi,
                    "arxiv": paper.arxiv,
                    "paper_title": paper.title,
                    "paper_retracted": paper.retracted.date.isoformat() if paper.retracted else None,
                    **{name: fields[name] for name in RESULT_FIELDS},
                    "dataset_name": catalog.datasets.get(result.dataset).name if known else None,
                    "metric_direction": direction,
                    "metric_unit": unit,
                }
            )
    return records


def render_results_json(catalog: Catalog, records: list[dict[str, Any]] | None = None) -> str:
    """One result per line, so the file reads (and diffs) row by row. `records`, when given, are
    result_records(catalog), shared with results.csv.

    Each record goes through json.dumps on its own: without `indent` that is the C encoder, ten times
    the pure-Python one an indented dump of 20,000 records would take."""
    records = result_records(catalog) if records is None else records
    head = {
        "description": "Results reported by the catalog's papers, one record per result, numbers as printed in "
        "`printed` and as numbers in `value`; fields as in schema/paper.schema.json (Result).",
        "count": len(records),
        "columns": list(RESULT_COLUMNS),
    }
    lines = ["{", *(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}," for key, value in head.items())]
    rows = ",\n".join("  " + json.dumps(record, ensure_ascii=False) for record in records)
    return "\n".join(lines) + '\n "results": [' + (f"\n{rows}\n ]" if rows else "]") + "\n}\n"


def _result_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render_results_csv(catalog: Catalog, records: list[dict[str, Any]] | None = None) -> str:
    """results.json's records as CSV: unstated fields empty, booleans true/false, text cells formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(RESULT_COLUMNS)
    for record in result_records(catalog) if records is None else records:
        writer.writerow([_neutralise_formula(_result_cell(record[column])) for column in RESULT_COLUMNS])
    return buffer.getvalue()
