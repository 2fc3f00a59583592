"""The loader. The corpus of bad inputs and their exact messages is in hostile_inputs.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_builder.catalog.load import load_catalog
from tests.conftest import GOOD_PAPER


def problems_of(catalog_dir: Path) -> list[str]:
    return [str(problem) for problem in load_catalog(catalog_dir).problems]


def test__a_good_paper_loads_into_a_catalog(catalog_dir, write_paper):
    write_paper("zhou2019-models-genesis", GOOD_PAPER)
    result = load_catalog(catalog_dir)
    assert result.problems == []
    assert result.catalog is not None
    assert [paper.id for paper in result.catalog.papers] == ["zhou2019-models-genesis"]
    assert result.catalog.paper("zhou2019-models-genesis").venue == "MICCAI"


def test__aliases_are_normalised_to_ids(catalog_dir, write_paper):
    write_paper(
        "p2020-x",
        """\
        title: T
        year: 2020
        venue: Medical Image Analysis
        modality: [chest x-ray, Histology]
        task: [Feature Learning]
        method: [restorative]
        doi: "10.1016/j.media.2020.101840"
        """,
    )
    paper = load_catalog(catalog_dir).catalog.paper("p2020-x")
    assert (paper.venue, paper.modality, paper.task, paper.method) == (
        "MedIA",
        ["X-ray", "histopathology"],
        ["representation-learning"],
        ["generative"],
    )


def test__a_typo_in_a_vocabulary_gets_did_you_mean_with_its_line(catalog_dir, write_paper):
    write_paper("x", GOOD_PAPER.replace("modality: [CT]", "modality:\n  - MRI\n  - CTT"))
    assert problems_of(catalog_dir) == [
        "catalog/papers/x.yaml:6: modality: 'CTT' is not a modality (did you mean 'CT'?)"
    ]


def test__a_bom_and_crlf_line_endings_are_fine(catalog_dir, write_paper):
    write_paper("zhou2019-models-genesis", b"\xef\xbb\xbf" + GOOD_PAPER.replace("\n", "\r\n").encode())
    assert problems_of(catalog_dir) == []


def test__a_file_name_that_is_not_an_id_is_reported(catalog_dir, write_paper):
    write_paper("Bad_Name", GOOD_PAPER)
    assert problems_of(catalog_dir) == [
        "catalog/papers/Bad_Name.yaml:1: id: file name 'Bad_Name' must be lower-case words joined by dashes"
    ]


def test__all_problems_of_all_files_come_at_once(catalog_dir, write_paper):
    write_paper("a", GOOD_PAPER.replace("venue: MICCAI", "venue: nowhere"))
    write_paper("b", "title: [\n")
    write_paper("c", GOOD_PAPER.replace("year: 2019", "year: x").replace("[CT]", "[CTT]"))
    paths = [problem.split(":")[0] for problem in problems_of(catalog_dir)]
    assert paths == ["catalog/papers/a.yaml", "catalog/papers/b.yaml", "catalog/papers/c.yaml", "catalog/papers/c.yaml"]


@pytest.mark.parametrize(
    ("second", "field", "line"),
    [
        pytest.param(GOOD_PAPER.replace("Models Genesis", "Other"), "arxiv", 8, id="same-arxiv"),
        pytest.param(
            GOOD_PAPER.replace('"1908.06912"', '"2004.07882"').replace("Models Genesis:", "MODELS genesis -"),
            "title",
            1,
            id="same-title-other-case",
        ),
        pytest.param(
            GOOD_PAPER.replace('"1908.06912"', '"2004.07882"').replace("Models", "Моdels"),
            "title",
            1,
            id="same-title-cyrillic-lookalike",
        ),
    ],
)
def test__the_same_paper_twice_names_both_files(catalog_dir, write_paper, second, field, line):
    write_paper("a2019-first", GOOD_PAPER)
    write_paper("b2019-second", second)
    what = {"arxiv": "arXiv id", "title": "title"}[field]
    assert problems_of(catalog_dir) == [
        f"catalog/papers/a2019-first.yaml:{line}: {field}: same {what} as catalog/papers/b2019-second.yaml",
        f"catalog/papers/b2019-second.yaml:{line}: {field}: same {what} as catalog/papers/a2019-first.yaml",
    ]


def test__same_doi_in_any_case_is_a_duplicate(catalog_dir, write_paper):
    write_paper("a", GOOD_PAPER + 'doi: "10.1007/ABC"\n')
    write_paper(
        "b", GOOD_PAPER.replace("Models", "Other").replace('"1908.06912"', '"2004.07882"') + 'doi: "10.1007/abc"\n'
    )
    assert problems_of(catalog_dir) == [
        "catalog/papers/a.yaml:11: doi: same DOI as catalog/papers/b.yaml",
        "catalog/papers/b.yaml:11: doi: same DOI as catalog/papers/a.yaml",
    ]


def test__resources_must_point_at_existing_papers(catalog_dir, write_paper):
    write_paper("zhou2019-models-genesis", GOOD_PAPER)
    (catalog_dir / "resources.yaml").write_text(
        "resources:\n  - title: A thesis\n    kind: thesis\n    related: [zhou2019-models-genesis, nope]\n"
    )
    assert problems_of(catalog_dir) == ["catalog/resources.yaml:4: resources[0].related: no paper with id 'nope'"]


def test__a_broken_taxonomy_stops_before_papers(catalog_dir, write_paper):
    write_paper("p", GOOD_PAPER)
    (catalog_dir / "taxonomy.yaml").write_text("modality: []\n")
    result = load_catalog(catalog_dir)
    assert result.catalog is None
    assert str(result.problems[0]) == "catalog/taxonomy.yaml:1: task: required field is missing"


def test__two_papers_cannot_share_a_paper_link(catalog_dir, write_paper):
    link = "  paper: https://example.org/one\n"
    write_paper("a", GOOD_PAPER + link)
    write_paper("b", GOOD_PAPER.replace("Models", "Other").replace('"1908.06912"', '"2004.07882"') + link)
    assert problems_of(catalog_dir) == [
        "catalog/papers/a.yaml:11: links.paper: same paper link as catalog/papers/b.yaml",
        "catalog/papers/b.yaml:11: links.paper: same paper link as catalog/papers/a.yaml",
    ]
