"""CITATION.cff, the catalog's own citation: valid Citation File Format, and the About page's box agrees with it."""

from __future__ import annotations

import re

import bibtexparser
import jsonschema
import pytest
import yaml
from cffconvert import Citation

from tests.conftest import REPO

CITATION_FILE = REPO / "CITATION.cff"


def citation_data() -> dict:
    return yaml.safe_load(CITATION_FILE.read_text(encoding="utf-8"))


def about_bibtex() -> str:
    """The BibTeX block of the About page's "Cite this catalog" box."""
    text = (REPO / "docs" / "about.md").read_text(encoding="utf-8")
    box = text.split('!!! quote "Cite this catalog"', 1)[1]
    match = re.search(r"```bibtex\n(.*?)\n\s*```", box, re.S)
    assert match, "the box holds a ```bibtex block"
    return "\n".join(line.removeprefix("    ") for line in match.group(1).splitlines())


def test__citation_cff_is_valid_citation_file_format():
    citation = Citation(CITATION_FILE.read_text(encoding="utf-8"), src=str(CITATION_FILE))
    citation.validate()  # raises on any schema violation
    assert citation.cffobj["cff-version"] == "1.2.0"


@pytest.mark.parametrize(
    "planted",
    [
        lambda data: data.pop("authors"),
        lambda data: data.update({"repository-code": "not a url"}),
        lambda data: data.update({"license": "Not-A-Licence"}),
    ],
    ids=["no authors", "bad url", "unknown licence"],
)
def test__the_validation_catches_a_planted_defect(planted):
    data = citation_data()
    planted(data)
    citation = Citation(yaml.safe_dump(data), src="planted.cff")
    with pytest.raises(jsonschema.ValidationError):
        citation.validate()


def test__the_citation_names_this_project_and_its_site():
    data = citation_data()
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert f'version = "{data["version"]}"' in pyproject, "CITATION.cff's version is the project's"
    mkdocs = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    assert f"repository: {data['repository-code']}" in mkdocs
    assert data["url"] in mkdocs
    assert "CC0" in (REPO / "catalog" / "LICENSE").read_text(encoding="utf-8") and data["license"] == "CC0-1.0"


def test__the_about_page_box_cites_what_citation_cff_says():
    data = citation_data()
    library = bibtexparser.parse_string(about_bibtex())
    assert not library.failed_blocks
    [entry] = library.entries
    assert entry["title"] == data["title"]
    assert entry["author"] == "{" + data["authors"][0]["name"] + "}"  # braced: a name BibTeX must not split
    assert entry["url"] == data["repository-code"]
    assert data["url"] in entry["howpublished"]
    assert f"Version {data['version']}" in entry["note"]
