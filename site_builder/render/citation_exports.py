"""The data behind Browse's "Export this view" and "Export the selection" (docs/assets/medssl/browse-export.js).

One JSON file per format holds every paper's entry pre-rendered by the Python renderers, so the
browser only concatenates: header + the chosen entries joined by the separator + footer. The
export of every paper in id order is byte for byte the site's catalog.bib (and papers.csv).
Each file is fetched only when a reader first exports in its format.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass

from schema import Catalog
from site_builder.render.bibtex import render_bibtex_entry
from site_builder.render.citations import render_csl_json_entry, render_ris_entry
from site_builder.render.exports import render_papers_csv

EXPORTS_DIR = "assets/medssl/export"


@dataclass(frozen=True)
class ExportFormat:
    name: str  # the button's label
    key: str  # the file's name, the buttons' data-export-format
    extension: str  # of the downloaded file
    media_type: str
    header: str = ""
    separator: str = ""
    footer: str = ""


FORMATS = (
    ExportFormat("BibTeX", "bibtex", "bib", "application/x-bibtex", separator="\n"),
    ExportFormat("RIS", "ris", "ris", "application/x-research-info-systems", separator="\n"),
    ExportFormat("CSL-JSON", "csl-json", "json", "application/vnd.citationstyles.csl+json", "[\n", ",\n", "\n]\n"),
    ExportFormat("CSV", "csv", "csv", "text/csv"),  # its header is papers.csv's first row
)


def export_path(export_format: ExportFormat) -> str:
    return f"{EXPORTS_DIR}/{export_format.key}.json"


def _csv_rows(catalog: Catalog) -> tuple[str, dict[str, str]]:
    """papers.csv's header line and each paper's line, exactly as papers.csv writes them."""
    rows = list(csv.reader(io.StringIO(render_papers_csv(catalog), newline="")))

    def line(row: list[str]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow(row)
        return buffer.getvalue()

    header, *papers = rows
    return line(header), {row[0]: line(row) for row in papers}


def export_entries(catalog: Catalog, export_format: ExportFormat) -> tuple[str, dict[str, str]]:
    """The format's header and paper id -> its entry, in id order."""
    taxonomy = catalog.taxonomy
    if export_format.key == "csv":
        return _csv_rows(catalog)
    render = {"bibtex": render_bibtex_entry, "ris": render_ris_entry, "csl-json": render_csl_json_entry}
    entry = render[export_format.key]
    return export_format.header, {paper.id: entry(paper, taxonomy) for paper in catalog.papers}


def render_export_file(catalog: Catalog, export_format: ExportFormat) -> str:
    header, entries = export_entries(catalog, export_format)
    document = {
        "format": export_format.name,
        "extension": export_format.extension,
        "media_type": export_format.media_type,
        "header": header,
        "separator": export_format.separator,
        "footer": export_format.footer,
        "entries": entries,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


def render_export_files(catalog: Catalog) -> dict[str, str]:
    return {export_path(export_format): render_export_file(catalog, export_format) for export_format in FORMATS}


def compose_export(catalog: Catalog, export_format: ExportFormat, paper_ids: Iterable[str]) -> str:
    """What the browser downloads for these papers, in this order: the specification browse-export.js follows."""
    header, entries = export_entries(catalog, export_format)
    chosen = [entries[paper_id] for paper_id in paper_ids if paper_id in entries]
    return header + export_format.separator.join(chosen) + export_format.footer
