"""Catalog text is data in every output: nothing in a title or summary is executed or interpreted."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ElementTree

import bibtexparser
import pytest

from site_builder.catalog.load import load_catalog
from site_builder.render.bibtex import render_bibtex
from site_builder.render.exports import render_papers_csv, render_papers_json
from site_builder.render.feed import render_atom_feed
from site_builder.render.readme import render_readme
from site_builder.render.site import SiteSettings, render_site_files
from tests.conftest import GOOD_PAPER

# Valid YAML, valid paper: every hostile string here is allowed text and must stay text.
TITLE = (
    '=HYPERLINK("https://evil.example") <script>alert("pwn-4711")</script> {{ 7*7 }} {% raw %} [x](javascript:alert(1))'
)
SUMMARY = "</textarea><img src=x onerror=alert(2)> ]]> {{ config }} *emph* %} \\x & <b>bold</b> @SUM(A1)"
HOSTILE_PAPER = (
    GOOD_PAPER.replace(GOOD_PAPER.splitlines()[0], "title: " + json.dumps(TITLE))
    + "summary: "
    + json.dumps(SUMMARY)
    + "\nauthors: ['-2+3 Evil', '@Robert\"); DROP TABLE papers;--']\nadded: 2026-11-21\n"
)


@pytest.fixture
def catalog(catalog_dir, write_paper):
    write_paper("evil2024-x", HOSTILE_PAPER)
    result = load_catalog(catalog_dir)
    assert result.problems == []
    return result.catalog


def test__readme_shows_the_text_and_runs_none_of_it(catalog):
    readme = render_readme(catalog)
    assert "<script>" not in readme and "\\<script\\>" in readme
    assert "{{ 7\\*7 }}" in readme and "49" not in readme
    assert "[x](javascript:" not in readme and "\\[x\\](javascript:" in readme


def test__bibtex_parses_back_to_the_exact_title(catalog):
    library = bibtexparser.parse_string(
        render_bibtex(catalog), append_middleware=[bibtexparser.middlewares.LatexDecodingMiddleware()]
    )
    assert library.failed_blocks == []
    assert [entry["title"] for entry in library.entries] == [TITLE]


def test__csv_cells_cannot_become_formulas(catalog):
    rows = list(csv.DictReader(io.StringIO(render_papers_csv(catalog))))
    assert rows[0]["title"] == "'" + TITLE
    assert rows[0]["authors"] == "'-2+3 Evil; @Robert\"); DROP TABLE papers;--"
    dangerous = [cell for row in rows for cell in row.values() if cell[:1] in ("=", "+", "-", "@")]
    assert dangerous == []


def test__json_carries_the_exact_text(catalog):
    document = json.loads(render_papers_json(catalog))
    paper = document["papers"][0]
    assert (paper["title"], paper["summary"]) == (TITLE, SUMMARY)


def test__feed_is_well_formed_xml_with_the_exact_title(catalog):
    root = ElementTree.fromstring(render_atom_feed(catalog, "https://example.org/"))
    namespace = {"atom": "http://www.w3.org/2005/Atom"}
    assert [title.text for title in root.findall("atom:entry/atom:title", namespace)] == [TITLE]


def test__site_pages_escape_catalog_text(catalog):
    files = render_site_files(
        catalog, SiteSettings(site_url="https://example.org/", repository_url="https://github.com/o/r")
    )
    markup = {path: text for path, text in files.items() if path.endswith((".md", ".html"))}
    assert markup, "expected generated pages"
    for path, text in markup.items():
        assert 'alert("pwn-4711")</script>' not in text, path
        assert "<img src=x" not in text, path
        assert 'href="javascript:' not in text, path
    paper_page = next(text for path, text in markup.items() if "evil2024-x" in path)
    assert "&lt;script&gt;" in paper_page
