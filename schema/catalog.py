"""The validated catalog as one frozen value, and the checks that span entries."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from schema.dataset import DatasetFile
from schema.excluded import Exclusion
from schema.paper import Paper
from schema.resource import Resource
from schema.taxonomy import Taxonomy

# Letters from other scripts that look like Latin ones, so that a title typed with a
# Cyrillic "а" is still recognised as the same paper. NFKC handles full-width forms.
_LOOKALIKES = str.maketrans(
    {
        "а": "a",
        "в": "b",
        "е": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ɡ": "g",
        "α": "a",
        "β": "b",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "ℓ": "l",
    }
)
_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")


def normalise_title(title: str) -> str:
    """A key under which two spellings of the same title compare equal."""
    text = unicodedata.normalize("NFKC", title).casefold().translate(_LOOKALIKES)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _NOT_ALPHANUMERIC.sub("", text)


def normalise_arxiv(arxiv: str) -> str:
    return re.sub(r"v\d+$", "", arxiv)


@dataclass(frozen=True)
class CatalogIssue:
    """A problem that involves more than one entry: `paper_id`'s `field` clashes with `other_id`."""

    paper_id: str
    field: str
    message: str
    other_id: str | None = None


def find_catalog_issues(papers: Iterable[Paper]) -> list[CatalogIssue]:
    """Duplicate DOIs, arXiv ids, titles and paper links, each clash reported on both papers."""
    issues: list[CatalogIssue] = []
    first_by_key: dict[tuple[str, str], str] = {}
    for paper in sorted(papers, key=lambda p: p.id):
        keys = [("title", normalise_title(paper.title))]
        if paper.doi:
            keys.append(("doi", paper.doi.casefold()))
        if paper.arxiv:
            keys.append(("arxiv", normalise_arxiv(paper.arxiv)))
        if paper.links.paper:  # two papers cannot share one landing page
            keys.append(("links.paper", paper.links.paper.rstrip("/").casefold()))
        for field_name, key in keys:
            other = first_by_key.setdefault((field_name, key), paper.id)
            if other != paper.id:
                what = {"title": "title", "doi": "DOI", "arxiv": "arXiv id", "links.paper": "paper link"}[field_name]
                # Reported on both files, so whichever one a pull request touches gets the annotation.
                issues.append(CatalogIssue(paper.id, field_name, f"same {what} as", other))
                issues.append(CatalogIssue(other, field_name, f"same {what} as", paper.id))
    return issues


def find_exclusion_overlaps(papers: Iterable[Paper], excluded: Iterable[Exclusion]) -> list[tuple[int, str, str]]:
    """(index in excluded.yaml, paper id, what matched) for each excluded paper that is also a paper."""
    by_key: dict[tuple[str, str], str] = {}
    for paper in papers:
        by_key[("title", normalise_title(paper.title))] = paper.id
        if paper.doi:
            by_key[("DOI", paper.doi.casefold())] = paper.id
        if paper.arxiv:
            by_key[("arXiv id", normalise_arxiv(paper.arxiv))] = paper.id
    overlaps = []
    for index, exclusion in enumerate(excluded):
        keys = [("title", normalise_title(exclusion.title))]
        if exclusion.doi:
            keys.append(("DOI", exclusion.doi.casefold()))
        if exclusion.arxiv:
            keys.append(("arXiv id", normalise_arxiv(exclusion.arxiv)))
        for what, key in keys:
            if (what, key) in by_key:
                overlaps.append((index, by_key[(what, key)], what))
                break
    return overlaps


def find_dangling_baselines(papers: Iterable[Paper]) -> list[tuple[str, int, str]]:
    """(paper id, result index, missing id) for each baseline row whose stands_for names no paper."""
    papers = list(papers)
    ids = {paper.id for paper in papers}
    return [
        (paper.id, index, result.stands_for)
        for paper in papers
        for index, result in enumerate(paper.results or ())
        if result.stands_for is not None and result.stands_for not in ids
    ]


@dataclass(frozen=True)
class Catalog:
    """Every paper and resource, validated and cross-checked; papers sorted by id."""

    taxonomy: Taxonomy
    papers: tuple[Paper, ...]
    resources: tuple[Resource, ...] = ()
    datasets: DatasetFile = field(default_factory=lambda: DatasetFile(datasets=()))
    excluded: tuple[Exclusion, ...] = ()
    _by_id: dict[str, Paper] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.papers, key=lambda paper: paper.id))
        object.__setattr__(self, "papers", ordered)
        object.__setattr__(self, "_by_id", {paper.id: paper for paper in ordered})

    def paper(self, paper_id: str) -> Paper:
        return self._by_id[paper_id]

    def __contains__(self, paper_id: object) -> bool:
        return paper_id in self._by_id

    def newest_first(self) -> list[Paper]:
        """Newest first; within a year by month (unknown last), then title, then id."""
        return sorted(
            self.papers,
            key=lambda p: (-p.year, -(p.month or 0), p.title.casefold(), p.id),
        )
