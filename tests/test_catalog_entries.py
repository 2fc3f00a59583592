"""The bundled catalog: one test per paper file (its id is the test id), then the whole."""

from __future__ import annotations

from functools import cache

import pytest

from schema import DatasetFile, Taxonomy
from site_builder.catalog.load import load_catalog, load_datasets, load_paper, load_taxonomy
from tests.conftest import REPO

CATALOG = REPO / "catalog"
PAPER_FILES = sorted((CATALOG / "papers").glob("*.yaml"))


@cache
def taxonomy() -> Taxonomy:
    loaded, problems = load_taxonomy(CATALOG)
    assert loaded is not None, problems
    return loaded


@cache
def datasets() -> DatasetFile:
    loaded, problems = load_datasets(CATALOG, taxonomy())
    assert loaded is not None, problems
    return loaded


@pytest.mark.parametrize("path", PAPER_FILES, ids=[path.stem for path in PAPER_FILES])
def test__paper_file_is_valid(path):
    paper, _, problems = load_paper(path, taxonomy(), datasets())
    assert problems == [], (
        "\n".join(str(problem) for problem in problems) + "\nFix the file, then run `medssl validate`."
    )
    assert paper is not None


@pytest.mark.parametrize("path", PAPER_FILES, ids=[path.stem for path in PAPER_FILES])
def test__paper_file_says_where_its_facts_come_from(path):
    paper, _, _ = load_paper(path, taxonomy(), datasets())
    assert paper is not None and paper.sources, "add `sources:` naming the seed file or URL the facts were checked on"


def test__whole_catalog_is_valid_and_big_enough():
    result = load_catalog(CATALOG)
    assert result.problems == []
    assert len(result.catalog.papers) >= 45
    assert len(result.catalog.resources) >= 10


def test__every_runnable_reference_is_linked_from_its_paper():
    from runnable_refs.registry import REFERENCES

    catalog = load_catalog(CATALOG).catalog
    for reference in REFERENCES:
        assert reference.paper in catalog, f"{reference.name}: no paper {reference.paper}"
        assert reference.name in (catalog.paper(reference.paper).refs or []), (
            f"add `refs: [{reference.name}]` to catalog/papers/{reference.paper}.yaml"
        )
        for cited in reference.also_cites:
            assert cited in catalog, f"{reference.name}: no paper {cited}"
