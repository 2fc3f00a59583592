"""The loader: every kind of bad input gives exit-worthy problems naming file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_builder.load import load_catalog
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


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(GOOD_PAPER + "colour: red\n", "11: colour: unknown field 'colour'", id="unknown-key"),
        pytest.param(
            GOOD_PAPER.replace("  code:", "  cod:"),
            "10: links: unknown field 'cod' (did you mean 'code'?)",
            id="nested-unknown-key",
        ),
        pytest.param(
            GOOD_PAPER.replace("year: 2019", "year: '2019'"),
            "2: year: Input should be a valid integer",
            id="year-as-text",
        ),
        pytest.param(
            GOOD_PAPER.replace("year: 2019", "year: 1890"), "2: year: 1890 is outside 1990..", id="year-too-early"
        ),
        pytest.param(
            GOOD_PAPER.replace("modality: [CT]", "modality: CT"),
            "4: modality: Input should be a valid list",
            id="scalar-for-list",
        ),
        pytest.param(
            GOOD_PAPER.replace(GOOD_PAPER.splitlines()[0], "title: [a, b]"),
            "1: title: Input should be a valid string",
            id="list-for-scalar",
        ),
        pytest.param(
            GOOD_PAPER.replace("https://github.com/MrGiovanni/ModelsGenesis", "javascript:alert(1)"),
            "10: links.code: 'javascript:alert(1)' is not an http(s) URL",
            id="javascript-url",
        ),
        pytest.param(
            GOOD_PAPER.replace("https://github.com", "https://user:secret@github.com"),
            "10: links.code: URLs must not carry credentials",
            id="credentials-in-url",
        ),
        pytest.param(
            GOOD_PAPER.replace('"1908.06912"', '"1908.6912x"'), "8: arxiv: String should match pattern", id="bad-arxiv"
        ),
        pytest.param(GOOD_PAPER + 'doi: "doi.org/10.1/x"\n', "11: doi: String should match pattern", id="bad-doi"),
        pytest.param(
            GOOD_PAPER.replace("venue: MICCAI", "venue: MICAI"),
            "3: venue: 'MICAI' is not a venue (did you mean 'MICCAI'?)",
            id="venue-typo",
        ),
        pytest.param(
            GOOD_PAPER.replace("year: 2019\n", ""), "1: year: required field is missing", id="missing-required"
        ),
        pytest.param(
            GOOD_PAPER.replace('arxiv: "1908.06912"\n', ""),
            "1: give at least one of links.paper, arxiv or doi",
            id="no-way-to-find-it",
        ),
        pytest.param(
            GOOD_PAPER.replace("task: [segmentation]", "task: [segmentation, segmentation]"),
            "5: task: 'segmentation' is listed twice",
            id="repeated-item",
        ),
        pytest.param(GOOD_PAPER + "id: other\n", "11: id: remove it: a paper's id is its file name", id="id-in-file"),
        pytest.param(
            GOOD_PAPER + "added: 2026-11-21 10:00:00\n", "11: added: give a date as YYYY-MM-DD", id="datetime"
        ),
        pytest.param(
            GOOD_PAPER + "added: 21/11/2026\n", "11: added: Input should be a valid date", id="date-wrong-format"
        ),
    ],
)
def test__bad_field_values_name_file_line_and_field(catalog_dir, write_paper, content, expected):
    write_paper("p", content)
    problems = problems_of(catalog_dir)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"catalog/papers/p.yaml:{expected}")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param("title: [unclosed\n", "catalog/papers/p.yaml:2: invalid YAML", id="syntax-error"),
        pytest.param("title: x\n\tyear: 2019\n", "catalog/papers/p.yaml:2: invalid YAML", id="tab-indent"),
        pytest.param(
            "- a\n- b\n", "catalog/papers/p.yaml:1: expected a mapping of field: value, found a list", id="list-at-top"
        ),
        pytest.param("", "catalog/papers/p.yaml:1: the file is empty", id="empty"),
        pytest.param(
            "title: a\ntitle: b\n",
            "catalog/papers/p.yaml:2: title: duplicated key (first given on line 1)",
            id="duplicate-key",
        ),
        pytest.param(
            "title: &t a\nsummary: *t\n", "catalog/papers/p.yaml:1: YAML anchors (&) are not allowed", id="anchor"
        ),
        pytest.param(
            "a: &a [x]\nb: [*a, *a, *a]\n", "catalog/papers/p.yaml:1: YAML anchors (&) are not allowed", id="alias-bomb"
        ),
        pytest.param(
            "<<: {title: x}\n", "catalog/papers/p.yaml:1: YAML merge keys (<<) are not allowed", id="merge-key"
        ),
        pytest.param(
            "title: !!python/object:os.system x\n",
            "catalog/papers/p.yaml:1: title: unsupported YAML tag",
            id="python-tag",
        ),
        pytest.param(
            "title: x\n---\ntitle: y\n",
            "catalog/papers/p.yaml:2: invalid YAML: but found another document",
            id="two-documents",
        ),
        pytest.param(
            "a:\n" + "".join("  " * i + "- \n" for i in range(1, 40)), "catalog/papers/p.yaml:", id="deep-nesting"
        ),
        pytest.param("? [a, b]\n: c\n", "catalog/papers/p.yaml:1: keys must be plain field names", id="complex-key"),
        pytest.param(
            "title: ok\nsummary: a\x00b\n", "catalog/papers/p.yaml:2: invalid YAML: control character", id="nul-byte"
        ),
        pytest.param("title: ok\n*: b\n", "catalog/papers/p.yaml:2: invalid YAML", id="bare-star-key"),
    ],
)
def test__unreadable_yaml_is_a_problem_not_a_crash(catalog_dir, write_paper, content, expected):
    write_paper("p", content)
    problems = problems_of(catalog_dir)
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected)


def test__non_utf8_bytes_name_their_line(catalog_dir, write_paper):
    write_paper("p", b"title: ok\nsummary: caf\xe9\n")
    assert problems_of(catalog_dir) == ["catalog/papers/p.yaml:2: not valid UTF-8 (byte 0xe9); save the file as UTF-8"]


def test__a_bom_and_crlf_line_endings_are_fine(catalog_dir, write_paper):
    write_paper("zhou2019-models-genesis", b"\xef\xbb\xbf" + GOOD_PAPER.replace("\n", "\r\n").encode())
    assert problems_of(catalog_dir) == []


def test__a_file_over_256_kib_is_refused_before_parsing(catalog_dir, write_paper):
    path = write_paper("p", GOOD_PAPER + "summary: " + "x" * 300_000 + "\n")
    size = path.stat().st_size
    assert problems_of(catalog_dir) == [
        f"catalog/papers/p.yaml:1: file is {size:,} bytes; the limit is 262,144 (256 KiB)"
    ]


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
    problems = problems_of(catalog_dir)
    assert problems == [
        f"catalog/papers/b2019-second.yaml:{line}: {field}: same "
        f"{ {'arxiv': 'arXiv id', 'title': 'title'}[field] } as catalog/papers/a2019-first.yaml"
    ]


def test__same_doi_in_any_case_is_a_duplicate(catalog_dir, write_paper):
    write_paper("a", GOOD_PAPER + 'doi: "10.1007/ABC"\n')
    write_paper(
        "b", GOOD_PAPER.replace("Models", "Other").replace('"1908.06912"', '"2004.07882"') + 'doi: "10.1007/abc"\n'
    )
    assert problems_of(catalog_dir) == ["catalog/papers/b.yaml:11: doi: same DOI as catalog/papers/a.yaml"]


def test__a_ref_that_does_not_exist_is_reported(catalog_dir, write_paper):
    write_paper("p", GOOD_PAPER + "refs: [models_genesys]\n")
    assert problems_of(catalog_dir) == [
        "catalog/papers/p.yaml:11: refs: no runnable reference 'models_genesys' (did you mean 'models_genesis'?)"
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
        "catalog/papers/b.yaml:11: links.paper: same paper link as catalog/papers/a.yaml"
    ]
