"""The Help wanted page: `medssl doctor`'s numbers, with links dead at their last check as one more gap."""

from __future__ import annotations

import re

import pytest

from site_builder.catalog.link_status import load_link_status
from site_builder.catalog.quality import quality_report
from site_builder.render.help_wanted import dead_link_gaps, render_help_wanted_page
from tests.site.conftest import HOSTILE_TITLE

REPOSITORY = "https://github.com/example/catalog"


@pytest.fixture(scope="module")
def records(fixture_root):
    return load_link_status(fixture_root)


@pytest.fixture(scope="module")
def page(fixture_catalog, records) -> str:
    return render_help_wanted_page(fixture_catalog, records, REPOSITORY)


def section(page: str, element_id: str) -> str:
    """From the element with this id to the next heading."""
    return re.search(rf'<div[^>]* id="{element_id}">(.*?)(?=<h2 |\Z)', page, re.S).group(1)


def count_rows(html: str) -> list[tuple[str, str | None, int]]:
    """(label, link or None, papers) of each row of a count table."""
    row = r'<tr[^>]*><td>(?:<a href="([^"]*)">)?(.*?)(?:</a>)?</td><td class="medssl-number">(\d+)</td>'
    rows = re.findall(row, html)
    return [(label, link or None, int(count)) for link, label, count in rows]


def test__a_dead_link_is_a_gap_naming_its_field_and_the_check_date(fixture_catalog, records):
    assert dead_link_gaps(fixture_catalog, records) == {
        "azizi2021-chest-xray": ["dead link: code (checked 2026-11-20)"],
        "wang2024-pathology-dino": ["dead link: paper (checked 2026-11-20)"],
    }  # a redirect or a host that turns robots away is no gap


def test__the_gap_totals_are_the_doctors_plus_dead_links(fixture_catalog, records, page):
    report = quality_report(fixture_catalog, dead_link_gaps(fixture_catalog, records))
    shown = {label: count for label, _, count in count_rows(section(page, "gap-totals"))}
    assert shown == dict(report.gap_counts)
    assert shown["dead link: code (checked 2026-11-20)"] == 1
    assert shown["no reported results"] == sum(not paper.results for paper in fixture_catalog.papers) == 4
    fields = {label: count for label, _, count in count_rows(section(page, "fields-filled"))}
    assert fields == dict(report.field_counts)
    counts = section(page, "help-wanted-counts")
    current = [paper for paper in fixture_catalog.papers if paper.retracted is None]  # retracted: not counted
    assert f"<strong>{len(current)}</strong> papers" in counts
    assert f"<strong>{len(report.gaps_by_paper)}</strong> with at least one gap" in counts
    assert "<strong>2</strong> dead links at the last link check (2026-11-20)" in counts


def test__coverage_counts_every_term_and_links_only_terms_with_papers(fixture_catalog, page):
    coverage = count_rows(section(page, "coverage"))
    taxonomy = fixture_catalog.taxonomy
    ct = (taxonomy.label("modality", "CT"), "../modality/ct/", 4)
    pet = (taxonomy.label("modality", "PET"), None, 0)  # no page for a term without papers
    assert ct in coverage and pet in coverage
    assert ("2022", "../year/2022/", 2) in coverage
    terms = sum(len(taxonomy.ids(vocabulary)) for vocabulary in ("modality", "task", "method"))
    years = len({paper.year for paper in fixture_catalog.papers})
    assert len(coverage) == terms + years


def test__each_paper_with_gaps_links_to_its_page_and_its_entry(fixture_catalog, records, page):
    report = quality_report(fixture_catalog, dead_link_gaps(fixture_catalog, records))
    table = section(page, "papers-with-gaps")
    rows = re.findall(r'<tr data-paper-id="([^"]+)"><td><a href="([^"]+)">.*?</tr>', table)
    assert [paper_id for paper_id, _ in rows] == [paper_id for paper_id, _ in report.gaps_by_paper]
    assert all(link == f"../papers/{paper_id}/" for paper_id, link in rows)
    azizi = re.search(r'<tr data-paper-id="azizi2021-chest-xray">.*?</tr>', table).group(0)
    assert '<span class="medssl-chip medssl-chip--dead">dead link: code (checked 2026-11-20)</span>' in azizi
    assert f'href="{REPOSITORY}/edit/main/catalog/papers/azizi2021-chest-xray.yaml"' in azizi


def test__titles_are_escaped(page):
    assert HOSTILE_TITLE not in page and "<script>" not in page
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt; Evil &amp; &#34;quoted&#34;" in page


def test__without_a_link_check_no_link_is_a_gap(fixture_catalog, page):
    unchecked = render_help_wanted_page(fixture_catalog, {}, REPOSITORY)
    assert "dead link" not in unchecked
    assert "links not checked yet" in section(unchecked, "help-wanted-counts")
    assert unchecked == render_help_wanted_page(fixture_catalog, {}, REPOSITORY)  # byte-stable
