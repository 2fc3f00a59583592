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
from site_builder.render.exports import render_papers_csv, render_papers_json, render_results_csv, render_results_json
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


# A result's printed text, model row and note, and a dataset's name and description: text everywhere too.
PRINTED = '81.5 <script>alert("pwn-4712")</script>'
MODEL = '=HYPERLINK("https://evil.example") <img src=x onerror=alert(3)>'
NOTE = "@SUM(A1) </td></tr><script>alert(4)</script> [x](javascript:alert(5))"
DATASET_NAME = '<script>alert("pwn-4713")</script> Evil & set'
DATASET_DESCRIPTION = "<img src=x onerror=alert(6)> {{ 7*7 }} </desc></svg><b>bold</b>"


def _result_line(value: float, printed: str, model: str, note: str, label_fraction: float) -> str:
    fields = {
        "dataset": "evil-set",
        "task": "segmentation",
        "metric": "Dice",
        "value": value,
        "printed": printed,
        "protocol": "fine-tune",
        "label_fraction": label_fraction,
        "model": model,
        "where": "Table 1",
        "note": note,
    }
    return "  - " + json.dumps(fields) + "\n"


@pytest.fixture
def results_catalog(catalog_dir, write_paper):
    datasets = catalog_dir / "datasets.yaml"
    evil = {
        "id": "evil-set",
        "name": DATASET_NAME,
        "modality": ["CT"],
        "access": "open",
        "url": "https://example.org/evil-set",
        "description": DATASET_DESCRIPTION,
        "kind": "benchmark",
    }
    datasets.write_text(datasets.read_text(encoding="utf-8") + "  - " + json.dumps(evil) + "\n", encoding="utf-8")
    for paper_id, arxiv in (("evil2024-a", "2401.00001"), ("evil2024-b", "2401.00002")):
        text = GOOD_PAPER.replace("1908.06912", arxiv).replace("Models Genesis", paper_id)
        text += "results:\n" + _result_line(81.5, PRINTED, MODEL, NOTE, 1.0)
        text += _result_line(79.0, "79.0", "Plain", NOTE, 0.1)
        write_paper(paper_id, text)
    result = load_catalog(catalog_dir)
    assert result.problems == []
    return result.catalog


def test__results_and_datasets_stay_text_on_every_page(results_catalog):
    files = render_site_files(
        results_catalog, SiteSettings(site_url="https://example.org/", repository_url="https://github.com/o/r")
    )
    board_page = files["datasets/evil-set.md"]
    assert 'id="lb-segmentation-dice-fine-tune-100pct"' in board_page, "the hostile rows make a leaderboard"
    assert '<svg viewBox="0 0' in board_page, "and a label-efficiency chart"
    for path, text in files.items():
        if not path.endswith((".md", ".html")):
            continue
        for payload in ('alert("pwn-4712")</script>', 'alert("pwn-4713")</script>', "<img src=x", "<b>bold</b>"):
            assert payload not in text, (path, payload)
        assert "</td></tr><script>" not in text and 'href="javascript:' not in text, path
    assert "&lt;script&gt;alert(&#34;pwn-4712&#34;)&lt;/script&gt;" in board_page
    assert "&lt;/desc&gt;&lt;/svg&gt;" in board_page and "{{ 7*7 }}" in board_page
    front_matter = board_page.split("---\n")[1]
    assert 'title: "&lt;script&gt;alert(&#34;pwn-4713&#34;)&lt;/script&gt; Evil &amp; set"' in front_matter
    assert "&lt;script&gt;alert(&#34;pwn-4712&#34;)" in files["papers/evil2024-a.md"]


def test__result_and_dataset_text_cannot_become_formulas_in_results_csv(results_catalog):
    rows = list(csv.DictReader(io.StringIO(render_results_csv(results_catalog))))
    assert len(rows) == 4
    assert {row["model"] for row in rows} == {"'" + MODEL, "Plain"}
    assert {row["note"] for row in rows} == {"'" + NOTE}
    dangerous = [cell for row in rows for cell in row.values() if cell[:1] in ("=", "+", "-", "@")]
    assert dangerous == []
    document = json.loads(render_results_json(results_catalog))
    assert {record["printed"] for record in document["results"]} == {PRINTED, "79.0"}
    assert {record["dataset_name"] for record in document["results"]} == {DATASET_NAME}
