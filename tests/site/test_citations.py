"""Citations, exports, What's new and OpenSearch on the fixture catalog: no mkdocs, no browser."""

from __future__ import annotations

import datetime
import json
import re
import xml.etree.ElementTree as ElementTree

import bibtexparser
import pytest
import rispy

from site_builder.render.bibtex import render_bibtex
from site_builder.render.citation_exports import FORMATS, compose_export, render_export_files
from site_builder.render.citations import csl_name, json_ld, paper_citation, script_json
from site_builder.render.exports import render_papers_csv
from site_builder.render.opensearch import render_opensearch_description
from site_builder.render.whats_new import VenueChange, months_of_additions, render_whats_new_page
from tests.site.conftest import HOSTILE_TITLE, SITE_URL

FORMAT = {export_format.key: export_format for export_format in FORMATS}


def test__exporting_every_paper_in_id_order_gives_the_download_files_byte_for_byte(fixture_catalog):
    ids = [paper.id for paper in fixture_catalog.papers]
    assert compose_export(fixture_catalog, FORMAT["bibtex"], ids) == render_bibtex(fixture_catalog)
    assert compose_export(fixture_catalog, FORMAT["csv"], ids) == render_papers_csv(fixture_catalog)


@pytest.mark.parametrize("key", [export_format.key for export_format in FORMATS])
def test__an_export_of_some_papers_holds_exactly_those_in_that_order(fixture_catalog, key):
    chosen = ["tang2022-swin-pretraining", "evil2024-hostile-entry", "azizi2021-chest-xray"]
    text = compose_export(fixture_catalog, FORMAT[key], [*chosen, "no-such-paper"])
    if key == "bibtex":
        library = bibtexparser.parse_string(text)
        found = [entry.key for entry in library.entries]
        escaped = HOSTILE_TITLE.replace("_", r"\_").replace("&", r"\&").replace("<", "{<}").replace(">", "{>}")
        assert not library.failed_blocks and library.entries[1]["title"] == escaped
    elif key == "ris":
        found = [record["id"] for record in rispy.loads(text)]
    elif key == "csv":
        found = [line.split(",", 1)[0] for line in text.splitlines()[1:]]
    else:
        items = json.loads(text)
        found = [item["id"] for item in items]
        assert items[1]["title"] == HOSTILE_TITLE
    assert found == chosen
    assert compose_export(fixture_catalog, FORMAT[key], []) in ("", "[\n\n]\n", text.split("\r\n")[0] + "\r\n")


def test__the_export_files_hold_every_paper_and_the_joining_rule(fixture_catalog):
    files = render_export_files(fixture_catalog)
    assert sorted(files) == [f"assets/medssl/export/{key}.json" for key in ("bibtex", "csl-json", "csv", "ris")]
    for key, export_format in FORMAT.items():
        document = json.loads(files[f"assets/medssl/export/{key}.json"])
        assert list(document["entries"]) == sorted(paper.id for paper in fixture_catalog.papers)
        assert (document["format"], document["separator"], document["footer"]) == (
            export_format.name,
            export_format.separator,
            export_format.footer,
        )


def test__ris_and_csl_json_describe_the_paper_by_its_venue_type(fixture_catalog):
    taxonomy = fixture_catalog.taxonomy
    journal = paper_citation(fixture_catalog.paper("chen2020-ct-contrast"), taxonomy)
    [record] = rispy.loads(journal.ris)
    assert record["type_of_reference"] == "JOUR" and record["journal_name"] == "Medical Image Analysis"
    assert record["doi"] == "10.1016/j.media.2020.000001" and record["date"] == "2020/06"
    item = json.loads(journal.csl_json)
    assert (item["type"], item["container-title"], item["issued"]) == (
        "article-journal",
        "Medical Image Analysis",
        {"date-parts": [[2020, 6]]},
    )
    preprint = json.loads(paper_citation(fixture_catalog.paper("li2023-echo-distillation"), taxonomy).csl_json)
    assert (preprint["type"], preprint["publisher"], preprint["number"]) == ("article", "arXiv", "arXiv:2305.00001")
    assert csl_name("Ludwig van der Maaten") == {"family": "van der Maaten", "given": "Ludwig"}
    assert csl_name("Plato") == {"literal": "Plato"}


def test__the_formatted_reference_is_the_csl_style_as_plain_text(fixture_catalog):
    citation = paper_citation(fixture_catalog.paper("azizi2021-chest-xray"), fixture_catalog.taxonomy)
    assert citation.reference == (
        "Azizi S, Sánchez J. Big Self-Supervised Models for Chest Radiographs. In: ICCV. 2021. "
        "https://arxiv.org/abs/2101.05224"
    )
    assert citation.reference_style == "american-medical-association"
    anonymous = paper_citation(fixture_catalog.paper("chen2020-ct-contrast"), fixture_catalog.taxonomy)
    assert anonymous.reference == (
        "Contrastive Pretraining of Abdominal CT Encoders. Medical Image Analysis. Published online June 2020. "
        "doi:10.1016/j.media.2020.000001"
    )  # an anonymous work begins with its title, once


def test__json_ld_has_the_scholarly_article_fields_and_cannot_end_its_script(fixture_catalog):
    taxonomy = fixture_catalog.taxonomy
    document = json_ld(fixture_catalog.paper("chen2020-ct-contrast"), taxonomy)
    assert document["isPartOf"] == {"@type": "Periodical", "name": "Medical Image Analysis"}
    assert document["identifier"] == [
        {"@type": "PropertyValue", "propertyID": "DOI", "value": "10.1016/j.media.2020.000001"}
    ]
    assert document["datePublished"] == "2020-06" and "sameAs" not in document  # its url is the DOI already
    hostile = paper_citation(fixture_catalog.paper("evil2024-hostile-entry"), taxonomy).json_ld
    assert not re.search(r"[<>&]", hostile)
    assert json.loads(hostile)["name"] == HOSTILE_TITLE
    assert json.loads(script_json({"a": "</script>\u2028"})) == {"a": "</script>\u2028"}


def test__whats_new_groups_additions_by_month_newest_first(fixture_catalog):
    months = months_of_additions(fixture_catalog)
    assert [(month.key, [paper.id for paper in month.papers]) for month in months] == [
        ("2026-03", ["li2023-echo-distillation"]),
        ("2026-02", ["azizi2021-chest-xray", "chen2020-ct-contrast"]),
        ("2026-01", ["zhou2019-models-genesis"]),
        ("2025-12", ["wang2024-pathology-dino"]),
    ]
    assert [month.key for month in months_of_additions(fixture_catalog, limit=2)] == ["2026-03", "2026-02"]
    page = render_whats_new_page(fixture_catalog)
    assert '<h2 id="added-2026-02">February 2026' in page
    assert "None recorded yet." in page
    undated = sum(not paper.added for paper in fixture_catalog.papers)
    assert f"{undated} papers without an <code>added</code> date are not listed here" in page


def test__whats_new_lists_the_venue_changes_it_is_given(fixture_catalog):
    changes = [
        VenueChange(
            "li2023-echo-distillation", "arXiv", "MICCAI", datetime.date(2026, 11, 30), "https://doi.org/10.1/x"
        ),
        VenueChange("not-in-the-catalog", "arXiv", "TMI"),
    ]
    page = render_whats_new_page(fixture_catalog, changes)
    section = page.split('id="venue-changes"')[1].split("</div>")[0]
    assert "None recorded yet." not in section
    assert section.count("<li ") == 1
    assert "Self-Distillation for Echocardiography Video Detection</a>: arXiv → MICCAI" in section
    assert "recorded 2026-11-30" in section and 'href="https://doi.org/10.1/x"' in section


def test__the_opensearch_description_searches_browse_at_the_sites_address():
    description = ElementTree.fromstring(render_opensearch_description(SITE_URL).split("\n", 1)[1])
    namespace = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
    short_name = description.find("os:ShortName", namespace)
    assert short_name is not None and short_name.text and len(short_name.text) <= 16
    urls = {url.get("type"): url.get("template") for url in description.findall("os:Url", namespace)}
    assert urls["text/html"] == f"{SITE_URL}browse/?q={{searchTerms}}"
    assert urls["application/opensearchdescription+xml"] == f"{SITE_URL}opensearch.xml"
