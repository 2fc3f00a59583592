"""Citing from the website in a real browser: Browse exports exactly what it shows in four formats, a selection
survives a reload and a shared address, a paper page carries JSON-LD and three citation formats, and browsers
find the OpenSearch description."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ElementTree
from urllib.parse import urljoin, urlsplit

import bibtexparser
import pytest
import rispy
from playwright.sync_api import Page, expect

from site_builder.render.citation_exports import FORMATS, compose_export
from tests.site.conftest import BuiltSite
from tests.site.test_browser import (
    Watch,
    expected_ids,
    open_browse,
    option,
    shown_count,
    watch,  # noqa: F401  (the fixture: no console error, nothing off 127.0.0.1)
)

FORMAT = {export_format.key: export_format for export_format in FORMATS}


def download(page: Page, scope: str, export_format: str) -> tuple[str, str]:
    """Click the export button; the downloaded file's name and text."""
    with page.expect_download() as info:
        page.locator(f'#medssl-export [data-export-scope="{scope}"][data-export-format="{export_format}"]').click()
    file = info.value
    return file.suggested_filename, (file.path().read_bytes()).decode("utf-8")


def ids_in(export_format: str, text: str) -> list[str]:
    """The paper ids of an export, parsed by each format's own reader."""
    if export_format == "bibtex":
        library = bibtexparser.parse_string(text)
        assert not library.failed_blocks
        return [entry.key for entry in library.entries]
    if export_format == "ris":
        return [record["id"] for record in rispy.loads(text)]
    if export_format == "csv":
        return [row["id"] for row in csv.DictReader(io.StringIO(text, newline=""))]
    return [item["id"] for item in json.loads(text)]


@pytest.mark.usefixtures("watch")
def test__export_this_view_gives_exactly_the_filtered_papers_in_four_formats(page: Page, fixture_site):
    catalog = fixture_site.catalog
    open_browse(page, fixture_site)
    option(page, "modality", "CT").check()
    option(page, "task", "segmentation").check()
    expected = expected_ids(catalog, {"modality": ["CT"], "task": ["segmentation"]})
    assert shown_count(page) == len(expected) >= 3
    for key in ("bibtex", "ris", "csv", "csl-json"):
        button = page.locator(f'#medssl-export [data-export-scope="view"][data-export-format="{key}"]')
        expect(button).to_have_text(FORMAT[key].name)
        name, text = download(page, "view", key)
        assert name == f"medssl-view.{FORMAT[key].extension}"
        assert ids_in(key, text) == expected, key
        assert text == compose_export(catalog, FORMAT[key], expected), f"{key}: the build's entries, joined"
    # Escaped as catalog.bib is: the hostile title (a CT segmentation paper) parses back to itself.
    library = bibtexparser.parse_string(download(page, "view", "bibtex")[1])
    assert "evil2024-hostile-entry" in [entry.key for entry in library.entries]


def test__the_selection_survives_a_reload_and_a_shared_address(page: Page, fixture_site, browser, request):
    seen: Watch = request.getfixturevalue("watch")
    catalog = fixture_site.catalog
    open_browse(page, fixture_site, "?modality=CT")
    expect(page.locator("#medssl-export")).to_have_attribute("data-state", "ready")
    picked = ["zhou2019-models-genesis", "chen2020-ct-contrast"]
    for paper_id in picked:
        page.locator(f'#medssl-rows tr[data-id="{paper_id}"] input.medssl-select').check()
    option(page, "modality", "CT").uncheck()
    page.locator("#medssl-q").fill("pathology")  # other filters: the selection stays
    page.locator('#medssl-rows tr[data-id="wang2024-pathology-dino"] input.medssl-select').check()
    picked.append("wang2024-pathology-dino")
    expect(page.locator("#medssl-selection-count")).to_have_text("3")

    page.reload()
    expect(page.locator("#medssl-browse")).to_have_attribute("data-state", "ready")
    expect(page.locator("#medssl-selection-count")).to_have_text("3")
    expect(page.locator('#medssl-rows tr[data-id="wang2024-pathology-dino"] input.medssl-select')).to_be_checked()
    name, text = download(page, "selection", "bibtex")
    assert name == "medssl-selection.bib" and ids_in("bibtex", text) == sorted(picked)
    assert ids_in("ris", download(page, "selection", "ris")[1]) == sorted(picked)
    shared = page.locator("#medssl-selection-link").get_attribute("href")
    assert shared and urlsplit(shared).fragment == "select=" + ",".join(picked)

    # A colleague with an empty browser opens the shared address.
    colleague = browser.new_context().new_page()
    colleague.on("pageerror", lambda error: seen.errors.append(str(error)))
    colleague.on("console", lambda message: seen.errors.append(message.text) if message.type == "error" else None)
    colleague.goto(fixture_site.url.rstrip("/") + shared)
    expect(colleague.locator("#medssl-browse")).to_have_attribute("data-state", "ready")
    expect(colleague.locator("#medssl-selection-count")).to_have_text("3")
    assert ids_in("csv", download(colleague, "selection", "csv")[1]) == sorted(picked)
    assert urlsplit(colleague.url).fragment == ""  # later ticks are not undone by the address
    colleague.locator("#medssl-selection-clear").click()
    expect(colleague.locator("#medssl-selection-count")).to_have_text("0")
    expect(colleague.locator('#medssl-export [data-export-scope="selection"]').first).to_be_disabled()
    colleague.context.close()
    assert len(catalog.papers) > len(picked)


@pytest.mark.usefixtures("watch")
def test__a_paper_page_has_json_ld_and_three_citation_formats(page: Page, fixture_site: BuiltSite):
    paper = fixture_site.catalog.paper("zhou2019-models-genesis")
    page.goto(f"{fixture_site.url}papers/{paper.id}/")
    document = json.loads(page.locator('script[type="application/ld+json"]').text_content() or "")
    assert document["@type"] == "ScholarlyArticle" and document["name"] == paper.title
    assert [author["name"] for author in document["author"]] == paper.authors
    assert document["datePublished"] == "2019" and document["isPartOf"]["name"] == "MICCAI"
    assert {"@type": "PropertyValue", "propertyID": "arXiv", "value": "1908.06912"} in document["identifier"]
    assert document["url"] == paper.url and document["codeRepository"] == paper.links.code
    [entry] = bibtexparser.parse_string(page.locator(".medssl-bibtex code").inner_text()).entries
    assert entry.key == paper.id
    page.locator(".medssl-ris summary").click()
    [record] = rispy.loads(page.locator(".medssl-ris code").inner_text())
    assert (record["id"], record["title"], record["year"]) == (paper.id, paper.title, "2019")
    expect(page.locator(".medssl-reference")).to_have_text(
        "Zhou Z, Sodha V, Liang J. Models Genesis: Generic Autodidactic Models for 3D Medical Image Analysis. "
        "In: MICCAI. 2019. https://arxiv.org/abs/1908.06912"
    )
    # The hostile title stays inside its JSON-LD as data.
    page.goto(f"{fixture_site.url}papers/evil2024-hostile-entry/")
    hostile = json.loads(page.locator('script[type="application/ld+json"]').text_content() or "")
    assert hostile["name"] == fixture_site.catalog.paper("evil2024-hostile-entry").title
    assert page.evaluate("window.__pwned") is None


@pytest.mark.usefixtures("watch")
def test__browsers_find_the_opensearch_description_and_it_searches_browse(page: Page, fixture_site):
    page.goto(f"{fixture_site.url}stats/")
    href = page.locator('link[rel="search"][type="application/opensearchdescription+xml"]').get_attribute("href")
    response = page.request.get(urljoin(page.url, href or ""))
    assert response.ok
    namespace = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
    description = ElementTree.fromstring(response.body())
    template = description.find("os:Url[@type='text/html']", namespace).get("template")  # type: ignore[union-attr]
    assert template == "https://example.org/medssl/browse/?q={searchTerms}"  # the built site_url
    open_browse(page, fixture_site, "?" + urlsplit(template.replace("{searchTerms}", "genesis")).query)
    assert page.locator("#medssl-rows tr").evaluate_all("rows => rows.map(row => row.dataset.id)") == [
        "zhou2019-models-genesis"
    ]
