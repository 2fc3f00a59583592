"""arXiv, Crossref and Semantic Scholar answers (recorded in their documented formats) -> metadata."""

from __future__ import annotations

import pytest

from site_builder.catalog.problems import UsageError
from site_builder.contrib.sources.arxiv import fetch_arxiv
from site_builder.contrib.sources.crossref import fetch_crossref
from site_builder.contrib.sources.identifiers import clean_doi, find_arxiv_id, parse_reference
from site_builder.contrib.sources.metadata import family_name
from site_builder.contrib.sources.semantic_scholar import fetch_semantic_scholar
from site_builder.http_client import FetchError, MetadataClient, NotFound, RetryPolicy
from tests.contrib.recorded_server import RecordedServer, fixture_reply

ATOM = "application/atom+xml"


@pytest.fixture
def session() -> MetadataClient:
    return MetadataClient(retry=RetryPolicy(attempts=2, backoff=0.01), timeout=2.0)


def test__arxiv_entry_gives_clean_title_authors_and_first_version_date(apis: RecordedServer, session):
    apis.route("/arxiv/query?id_list=1908.06912&max_results=1", fixture_reply("arxiv/1908.06912.xml", ATOM))
    metadata = fetch_arxiv(session, "1908.06912")
    assert metadata.title == "Models Genesis: Generic Autodidactic Models for 3D Medical Image Analysis"
    assert metadata.authors[0] == "Zongwei Zhou" and len(metadata.authors) == 7
    assert (metadata.year, metadata.month, metadata.arxiv, metadata.doi) == (2019, 8, "1908.06912", None)
    assert metadata.venue_names == ("arXiv",)
    assert metadata.abstract and metadata.abstract.startswith("Transfer learning from natural images")
    assert metadata.sources == (apis.url("/arxiv/query?id_list=1908.06912&max_results=1"),)


def test__arxiv_entry_with_doi_and_journal_ref_keeps_both(apis: RecordedServer, session):
    apis.route("/arxiv/query", fixture_reply("arxiv/2004.07882.xml", ATOM))
    metadata = fetch_arxiv(session, "2004.07882v2")
    assert metadata.doi == "10.1016/j.media.2020.101840"
    assert metadata.venue_names == ("Medical Image Analysis 67 (2021) 101840",)
    assert metadata.arxiv == "2004.07882"


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [("arxiv/empty.xml", "arXiv has no paper 2999.99999"), ("arxiv/error.xml", "incorrect id format")],
)
def test__arxiv_without_the_paper_is_not_found(apis: RecordedServer, session, fixture, expected):
    apis.route("/arxiv/query", fixture_reply(fixture, ATOM))
    with pytest.raises(NotFound, match=expected):
        fetch_arxiv(session, "2999.99999")


def test__malformed_arxiv_xml_is_a_clear_error(apis: RecordedServer, session):
    apis.route("/arxiv/query", fixture_reply("arxiv/malformed.xml", ATOM))
    with pytest.raises(FetchError, match="arXiv answered with malformed XML"):
        fetch_arxiv(session, "1908.06912")


def test__crossref_journal_article(apis: RecordedServer, session):
    apis.route(
        "/crossref/works/10.1016/j.media.2020.101840", fixture_reply("crossref/10.1016_j.media.2020.101840.json")
    )
    metadata = fetch_crossref(session, "10.1016/j.media.2020.101840")
    assert metadata.title == "Models Genesis"
    assert metadata.authors == ("Zongwei Zhou", "Vatsal Sodha", "Jiaxuan Pang", "Michael B. Gotway", "Jianming Liang")
    assert (metadata.year, metadata.month) == (2021, 1)  # the date, not the online-first one
    assert metadata.venue_names == ("Medical Image Analysis",)
    assert metadata.first_author_family == "Zhou" and metadata.abstract is None


def test__crossref_book_chapter_lists_the_proceedings_title(apis: RecordedServer, session):
    apis.route(
        "/crossref/works/10.1007/978-3-030-32251-9_42", fixture_reply("crossref/10.1007_978-3-030-32251-9_42.json")
    )
    metadata = fetch_crossref(session, "10.1007/978-3-030-32251-9_42")
    assert metadata.title == "Models Genesis: Generic Autodidactic Models for 3D Medical Image Analysis"
    assert "Medical Image Computing and Computer Assisted Intervention – MICCAI 2019" in metadata.venue_names
    assert metadata.first_author_family == "Zhou" and metadata.authors[2] == "Md Mahfuzur Rahman Siddiquee"


def test__crossref_markup_and_organisations(apis: RecordedServer, session):
    apis.route("/crossref/works/10.5555/unknown-venue", fixture_reply("crossref/10.5555_unknown-venue.json"))
    metadata = fetch_crossref(session, "10.5555/unknown-venue")
    assert metadata.title == "Contrastive Pretraining for Dental Panoramic Radiographs"
    assert metadata.authors == ("Ana García-López", "The Example Consortium")
    assert metadata.abstract and "<" not in metadata.abstract and "X-ray radiographs" in metadata.abstract


def test__crossref_404_and_malformed_json(apis: RecordedServer, session):
    apis.route("/crossref/works/10.5555/missing", fixture_reply("crossref/10.5555_unknown-venue.json", status=404))
    with pytest.raises(NotFound, match=r"Crossref has no DOI 10\.5555/missing"):
        fetch_crossref(session, "10.5555/missing")
    apis.route("/crossref/works/10.5555/broken", fixture_reply("arxiv/malformed.xml"))
    with pytest.raises(FetchError, match="Crossref answered with malformed JSON"):
        fetch_crossref(session, "10.5555/broken")


def test__semantic_scholar_paper(apis: RecordedServer, session):
    apis.route("/s2/graph/v1/paper/ARXIV:1908.06912", fixture_reply("s2/ARXIV_1908.06912.json"))
    metadata = fetch_semantic_scholar(session, "arxiv", "1908.06912")
    assert metadata.doi == "10.1007/978-3-030-32251-9_42" and metadata.arxiv == "1908.06912"
    assert (
        metadata.venue_names[0]
        == "International Conference on Medical Image Computing and Computer-Assisted Intervention"
    )
    assert (metadata.year, metadata.month) == (2019, 8)
    assert "fields=" in apis.log[0].path


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("arxiv:1908.06912", ("arxiv", "1908.06912")),
        ("arXiv:1908.06912v3", ("arxiv", "1908.06912")),
        ("https://arxiv.org/abs/1908.06912v2", ("arxiv", "1908.06912")),
        ("http://arxiv.org/pdf/1908.06912.pdf", ("arxiv", "1908.06912")),
        ("https://arxiv.org/abs/cs/0112017", ("arxiv", "cs/0112017")),
        ("1908.06912", ("arxiv", "1908.06912")),
        ("doi:10.1016/j.media.2020.101840", ("doi", "10.1016/j.media.2020.101840")),
        ("https://doi.org/10.1016/j.media.2020.101840", ("doi", "10.1016/j.media.2020.101840")),
        ("http://dx.doi.org/10.1007%2F978-3-030-32251-9_42", ("doi", "10.1007/978-3-030-32251-9_42")),
        ("10.1016/j.media.2020.101840", ("doi", "10.1016/j.media.2020.101840")),
    ],
)
def test__what_a_contributor_types_is_recognised(typed, expected):
    assert parse_reference(typed) == expected


@pytest.mark.parametrize("typed", ["arxiv:19.1", "doi:11.1/x", "models genesis", "https://example.org/paper"])
def test__anything_else_is_a_usage_error_with_examples(typed):
    with pytest.raises(UsageError, match=r"arxiv:1908\.06912"):
        parse_reference(typed)


def test__identifier_helpers():
    assert find_arxiv_id("arXiv preprint arXiv:1911.05722") == "1911.05722"
    assert find_arxiv_id("see https://arxiv.org/pdf/2002.05709v3") == "2002.05709"
    assert clean_doi(r"https://doi.org/10.5555/a\_b") == "10.5555/a_b"
    assert family_name("Jeroen van der Laak") == "van der Laak"
    assert family_name("Martin Luther King Jr.") == "King"
