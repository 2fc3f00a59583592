"""`medssl refresh` against recorded OpenAlex, Crossref and Semantic Scholar answers on a local server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from site_builder.catalog.load import load_catalog
from site_builder.cli import main
from site_builder.contrib.refresh import refresh
from site_builder.http_client import MetadataClient, RetryPolicy
from tests.contrib.recorded_server import RecordedServer, Reply, fixture_reply

MEDIA_DOI = "10.1016/j.media.2020.101840"
PREPRINT = """\
# yaml-language-server: $schema=../../schema/paper.schema.json
# A maintainer's note that must survive the refresh.
title: Models Genesis
authors:
  - Zongwei Zhou
year: 2020
venue: arXiv  # the preprint, until refresh finds the journal
modality:
  - CT
task:
  - segmentation
method:
  - generative
arxiv: '2004.07882'
added: 2026-11-21
"""
RETRACTED = """\
title: A Contrastive Method That Was Retracted
authors:
  - Chris Doe
  - Dana Roe
year: 2021
venue: SciRep
modality: [X-ray]
task: [classification]
method: [contrastive]
doi: 10.5555/retracted.2021.7
"""
LOOKALIKE = """\
title: Self-supervised learning for medical image analysis using image context restoration
year: 2019
venue: MedIA
modality: [CT]
task: [segmentation]
method: [generative]
links:
  paper: https://example.org/context-restoration
"""
UNKNOWN_VENUE = """\
title: Rotation Prediction for Knee Radiographs
authors: [Eve Stone]
year: 2021
venue: arXiv
modality: [X-ray]
task: [classification]
method: [predictive]
arxiv: '2201.00001'
"""


@pytest.fixture
def records(server: RecordedServer, monkeypatch: pytest.MonkeyPatch) -> RecordedServer:
    monkeypatch.setenv("MEDSSL_OPENALEX_URL", server.url("/openalex"))
    monkeypatch.setenv("MEDSSL_CROSSREF_URL", server.url("/crossref"))
    monkeypatch.setenv("MEDSSL_S2_URL", server.url("/s2/graph/v1"))
    server.route("/openalex/works/doi:10.48550/arXiv.2004.07882", fixture_reply("openalex/arxiv_2004.07882.json"))
    server.route(f"/crossref/works/{MEDIA_DOI}", fixture_reply("crossref/10.1016_j.media.2020.101840.json"))
    server.route("/openalex/works/doi:10.5555/retracted.2021.7", fixture_reply("openalex/doi_retracted.json"))
    server.route("/crossref/works/10.5555/retracted.2021.7", fixture_reply("crossref/10.5555_retracted.2021.7.json"))
    server.route("/openalex/works", fixture_reply("openalex/search_lookalike.json"))
    server.route("/openalex/works/doi:10.48550/arXiv.2201.00001", fixture_reply("openalex/arxiv_2201.00001.json"))
    return server


def test__a_preprint_is_upgraded_to_its_journal_version(records, catalog_dir, write_paper, capsys):
    path = write_paper("zhou2020-models-genesis", PREPRINT)
    assert main(["refresh", "zhou2020-models-genesis"]) == 1  # changes proposed
    out = capsys.readouterr().out
    assert "proposes venue, year, doi, authors" in out
    assert "-venue: arXiv  # the preprint, until refresh finds the journal" in out and "+venue: MedIA" in out
    assert "+year: 2021" in out and f"+doi: {MEDIA_DOI}" in out and "+  - Jiaxuan Pang" in out
    assert path.read_text() == PREPRINT  # a proposal only
    assert main(["refresh", "--apply", str(path)]) == 1
    text = path.read_text()
    assert "# A maintainer's note that must survive the refresh." in text
    paper = load_catalog(catalog_dir).catalog.paper("zhou2020-models-genesis")
    assert (paper.venue, paper.year, paper.doi) == ("MedIA", 2021, MEDIA_DOI)
    assert paper.authors == ["Zongwei Zhou", "Vatsal Sodha", "Jiaxuan Pang", "Michael B. Gotway", "Jianming Liang"]
    assert paper.arxiv == "2004.07882" and paper.checked is None  # a person confirms and sets checked
    capsys.readouterr()
    assert main(["refresh", "zhou2020-models-genesis"]) == 0  # nothing left to change
    assert "0 with changes proposed" in capsys.readouterr().out
    status = json.loads((catalog_dir / "refresh-status.json").read_text())
    assert status["papers"]["zhou2020-models-genesis"]["proposed"] == []
    from site_builder.catalog.refresh_status import load_refresh_status

    change = load_refresh_status(catalog_dir.parent)["zhou2020-models-genesis"].venue_change
    assert (change.old, change.new) == ("arXiv", "MedIA")  # kept for What's new, run after run


JOURNAL_WITHOUT_AUTHORS = f"""\
title: Models Genesis
year: 2021
venue: MedIA
modality: [CT]
task: [segmentation]
method: [generative]
doi: {MEDIA_DOI}
arxiv: '2004.07882'
"""


def test__authors_come_from_the_record_of_the_entrys_own_version(records, catalog_dir, write_paper, server):
    # The preprint's record lists one author more than the journal's; the entry is the journal version.
    preprint = json.loads(fixture_reply("openalex/arxiv_2004.07882.json").body)
    preprint["doi"] = "https://doi.org/10.48550/arxiv.2004.07882"
    extra = {**preprint["authorships"][-1], "author": {"display_name": "Preprint Only"}}
    preprint["authorships"].append(extra)
    server.route("/openalex/works/doi:10.48550/arXiv.2004.07882", Reply(body=json.dumps(preprint).encode()))
    write_paper("zhou2021-models-genesis", JOURNAL_WITHOUT_AUTHORS)
    assert main(["refresh", "--apply", "zhou2021-models-genesis"]) == 1
    paper = load_catalog(catalog_dir).catalog.paper("zhou2021-models-genesis")
    assert paper.authors == ["Zongwei Zhou", "Vatsal Sodha", "Jiaxuan Pang", "Michael B. Gotway", "Jianming Liang"]


def test__a_different_paper_with_a_similar_title_is_refused(records, write_paper, capsys):
    path = write_paper("chen2019-context-restoration", LOOKALIKE)
    assert main(["refresh", "chen2019-context-restoration"]) == 0
    out = capsys.readouterr().out
    assert "refused" in out and "not this paper (title differs:" in out
    assert "1 look-alike record refused" in out
    assert path.read_text() == LOOKALIKE


def test__a_record_with_the_same_title_but_another_year_and_author_is_refused(records, write_paper, capsys, server):
    same_title = LOOKALIKE.replace(
        "using image context restoration\n", "using image context restoration in ultrasound\n"
    )
    write_paper("other", same_title)
    assert main(["refresh", "other"]) == 0
    assert "not this paper (year 2023 does not agree with 2019)" in capsys.readouterr().out


def test__a_retraction_is_flagged_with_its_notice(records, catalog_dir, write_paper, capsys):
    write_paper("doe2021-retracted", RETRACTED)
    assert main(["refresh", "doe2021-retracted", "--apply"]) == 1
    out = capsys.readouterr().out
    assert "applied retracted" in out
    assert "the publisher lists a correction: https://doi.org/10.5555/correction.2021.9" in out  # reported only
    paper = load_catalog(catalog_dir).catalog.paper("doe2021-retracted")
    assert paper.retracted is not None and paper.retracted.date.isoformat() == "2022-03-04"
    assert paper.retracted.notice == "https://doi.org/10.5555/retraction-notice.2022.1"


def test__a_venue_missing_from_the_taxonomy_is_reported_not_invented(records, catalog_dir, write_paper, capsys):
    write_paper("stone2021-rotation-knee", UNKNOWN_VENUE)
    assert main(["refresh", "--apply", "stone2021-rotation-knee"]) == 1
    out = capsys.readouterr().out
    assert "published in 'Journal of Imaginary Knee Studies', which is not in the taxonomy; add it first" in out
    assert "applied doi (" in out  # the DOI is still news; the venue is left for a person
    paper = load_catalog(catalog_dir).catalog.paper("stone2021-rotation-knee")
    assert (paper.venue, paper.year, paper.doi) == ("arXiv", 2021, "10.5555/unknown.venue.2022")


def fast_client(tmp_path: Path, offline: bool = False) -> MetadataClient:
    retry = RetryPolicy(attempts=2, backoff=0.01, max_wait=0.1)
    return MetadataClient(tmp_path / "cache", offline=offline, timeout=0.5, retry=retry)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Reply(500, b"oops"), "HTTP 500"),
        (Reply(200, b"{not json", delay=0), "OpenAlex answered with malformed JSON"),
        (Reply(200, b"{}", delay=2.0), "did not answer within 0.5 s"),
    ],
    ids=["server-error", "malformed-json", "timeout"],
)
def test__api_errors_are_one_line_and_do_not_stop_the_run(records, catalog_dir, write_paper, tmp_path, reply, expected):
    write_paper("zhou2020-models-genesis", PREPRINT)
    write_paper("doe2021-retracted", RETRACTED)
    records.route("/openalex/works/doi:10.48550/arXiv.2004.07882", reply)
    records.route("/s2/graph/v1/paper/ARXIV:2004.07882", Reply(404, b"{}"))
    catalog = load_catalog(catalog_dir).catalog
    with fast_client(tmp_path) as client:
        reports = {report.paper_id: report for report in refresh(catalog, catalog_dir, client)}
    broken = reports["zhou2020-models-genesis"]
    assert len(broken.errors) == 1 and expected in broken.errors[0] and "\n" not in broken.errors[0]
    assert broken.changes == []
    assert [change.field for change in reports["doe2021-retracted"].changes] == ["retracted"]  # the run went on


def test__semantic_scholar_stands_in_when_openalex_fails(records, catalog_dir, write_paper, tmp_path):
    write_paper("zhou2020-models-genesis", PREPRINT)
    records.route("/openalex/works/doi:10.48550/arXiv.2004.07882", Reply(500, b"down"))
    records.route("/s2/graph/v1/paper/ARXIV:2004.07882", fixture_reply("s2/DOI_10.1016_j.media.2020.101840.json"))
    catalog = load_catalog(catalog_dir).catalog
    with fast_client(tmp_path) as client:
        (report,) = refresh(catalog, catalog_dir, client)
    fields = {change.field: change.new for change in report.changes}
    assert fields["venue"] == "MedIA" and fields["doi"] == MEDIA_DOI


def test__offline_answers_from_the_cache(records, catalog_dir, write_paper, tmp_path, server):
    write_paper("zhou2020-models-genesis", PREPRINT)
    catalog = load_catalog(catalog_dir).catalog
    with fast_client(tmp_path) as client:
        (online,) = refresh(catalog, catalog_dir, client)
    asked = len(server.log)
    with fast_client(tmp_path, offline=True) as client:
        (offline,) = refresh(catalog, catalog_dir, client)
    assert offline.changes == online.changes and offline.errors == []
    assert len(server.log) == asked  # nothing was fetched
    write_paper("doe2021-retracted", RETRACTED)
    with fast_client(tmp_path, offline=True) as client:
        reports = refresh(load_catalog(catalog_dir).catalog, catalog_dir, client, ["doe2021-retracted"])
    assert any("is not in the cache; run without --offline" in error for error in reports[0].errors)


def test__an_unknown_paper_is_a_usage_error(records, write_paper, capsys):
    write_paper("zhou2020-models-genesis", PREPRINT)
    assert main(["refresh", "zhou2020-models-genesys"]) == 2
    assert "no paper 'zhou2020-models-genesys' in the catalog (did you mean 'zhou2020-models-genesis'?)" in (
        capsys.readouterr().err
    )
