"""What is already in the catalog, for refusing a second copy of a paper before it is written.

Built from every file in catalog/papers, valid or not: a file that `medssl add` wrote a
minute ago still waits for its proposals to be confirmed, and must count all the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from schema import Exclusion, Taxonomy, normalise_title
from site_builder.catalog import paths
from site_builder.catalog.load import PAPERS_DIR, display_path, load_excluded, load_paper, load_taxonomy
from site_builder.catalog.problems import ProblemsFound, format_problems
from site_builder.contrib.sources.identifiers import strip_version


def load_taxonomy_or_fail(root: Path) -> Taxonomy:
    taxonomy, problems = load_taxonomy(paths.catalog_dir(root))
    if taxonomy is None:
        raise ProblemsFound("\n".join(format_problems(problems)))
    return taxonomy


@dataclass(frozen=True)
class Existing:
    """The file that already holds the paper, and what matched."""

    path: Path
    reason: str  # "same DOI", "same arXiv id", "same title"

    def __str__(self) -> str:
        return f"{display_path(self.path)} ({self.reason})"


@dataclass
class CatalogIndex:
    """Normalised titles, DOIs (case-folded) and arXiv ids (without version) -> the file holding them."""

    by_doi: dict[str, Path] = field(default_factory=dict)
    by_arxiv: dict[str, Path] = field(default_factory=dict)
    by_title: dict[str, Path] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)
    excluded: dict[tuple[str, str], Exclusion] = field(default_factory=dict)

    @classmethod
    def of_catalog(cls, catalog_dir: Path, taxonomy: Taxonomy) -> CatalogIndex:
        index = cls()
        for path in sorted((catalog_dir / PAPERS_DIR).glob("*.yaml")):
            paper, document, _problems = load_paper(path, taxonomy)
            if paper is not None:
                index.add(path, paper.title, paper.doi, paper.arxiv)
            elif document is not None and isinstance(document.value, dict):
                raw = document.value
                index.add(path, _text(raw.get("title")), _text(raw.get("doi")), _text(raw.get("arxiv")))
            else:
                index.ids.add(path.stem)
        excluded, _document, problems = load_excluded(catalog_dir)
        if problems:
            raise ProblemsFound("\n".join(format_problems(problems)))
        for exclusion in excluded:
            index.add_exclusion(exclusion)
        return index

    def add_exclusion(self, exclusion: Exclusion) -> None:
        self.excluded.setdefault(("title", normalise_title(exclusion.title)), exclusion)
        if exclusion.doi:
            self.excluded.setdefault(("doi", exclusion.doi.casefold()), exclusion)
        if exclusion.arxiv:
            self.excluded.setdefault(("arxiv", strip_version(exclusion.arxiv)), exclusion)

    def find_excluded(
        self, title: str | None = None, doi: str | None = None, arxiv: str | None = None
    ) -> Exclusion | None:
        """The exclusions entry for this paper, if it was considered and left out before."""
        keys = [("doi", doi.casefold() if doi else ""), ("arxiv", strip_version(arxiv) if arxiv else "")]
        keys.append(("title", normalise_title(title) if title else ""))
        for key in keys:
            if key[1] and key in self.excluded:
                return self.excluded[key]
        return None

    def add(self, path: Path, title: str | None, doi: str | None, arxiv: str | None) -> None:
        self.ids.add(path.stem)
        if doi:
            self.by_doi.setdefault(doi.casefold(), path)
        if arxiv:
            self.by_arxiv.setdefault(strip_version(arxiv), path)
        if title and normalise_title(title):
            self.by_title.setdefault(normalise_title(title), path)

    def find(self, title: str | None = None, doi: str | None = None, arxiv: str | None = None) -> Existing | None:
        if doi and doi.casefold() in self.by_doi:
            return Existing(self.by_doi[doi.casefold()], "same DOI")
        if arxiv and strip_version(arxiv) in self.by_arxiv:
            return Existing(self.by_arxiv[strip_version(arxiv)], "same arXiv id")
        if title and normalise_title(title) in self.by_title:
            return Existing(self.by_title[normalise_title(title)], "same title")
        return None


def exclusion_message(exclusion: Exclusion) -> str:
    """What `add` and `import` say about a paper in catalog/excluded.yaml."""
    reason = exclusion.reason.replace("-", " ")
    if exclusion.duplicate_of:
        reason += f" of {exclusion.duplicate_of}"
    return f"considered and excluded on {exclusion.considered.isoformat()}: {reason}: {exclusion.detail}"


def _text(value: object) -> str | None:
    return str(value) if isinstance(value, str | int | float) and str(value) else None
