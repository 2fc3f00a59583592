"""What the catalog covers and what each paper still lacks: the facts behind `medssl doctor`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from schema import Catalog, Paper

# Each check names a gap a contributor can fill; the site's "help wanted" page lists them.
GAPS: tuple[tuple[str, Callable[[Paper], bool]], ...] = (
    ("no DOI or arXiv id", lambda paper: not (paper.doi or paper.arxiv)),
    ("no authors", lambda paper: not paper.authors),
    ("no code link", lambda paper: not paper.links.code),
    ("no summary", lambda paper: not paper.summary),
    ("no reported results", lambda paper: not paper.results),
    ("no sources", lambda paper: not paper.sources),
    ("modality unspecified", lambda paper: "unspecified" in paper.modality),
    ("no dimension", lambda paper: not paper.dimension),
)

FIELDS: tuple[tuple[str, Callable[[Paper], bool]], ...] = (
    ("authors", lambda paper: bool(paper.authors)),
    ("DOI or arXiv id", lambda paper: bool(paper.doi or paper.arxiv)),
    ("code link", lambda paper: bool(paper.links.code)),
    ("code link or DOI/arXiv id", lambda paper: bool(paper.links.code or paper.doi or paper.arxiv)),
    ("summary", lambda paper: bool(paper.summary)),
    ("results", lambda paper: bool(paper.results)),
    ("sources", lambda paper: bool(paper.sources)),
    ("runnable reference", lambda paper: bool(paper.refs)),
)


@dataclass(frozen=True)
class QualityReport:
    papers: int
    by_modality: list[tuple[str, int]]
    by_task: list[tuple[str, int]]
    by_method: list[tuple[str, int]]
    by_year: list[tuple[int, int]]
    field_counts: list[tuple[str, int]]
    gap_counts: list[tuple[str, int]]
    gaps_by_paper: list[tuple[str, list[str]]]  # (paper id, gaps), only papers with gaps


def quality_report(catalog: Catalog, extra_gaps: dict[str, list[str]] | None = None) -> QualityReport:
    """Counts per vocabulary term, year and field, and each paper's gaps.

    `extra_gaps` adds gaps known from outside the catalog files (e.g. a dead link as of the
    last link check), keyed by paper id.
    """
    taxonomy = catalog.taxonomy
    papers = catalog.papers

    def per_term(vocabulary: str, values: Callable[[Paper], list[str]]) -> list[tuple[str, int]]:
        counts = Counter(value for paper in papers for value in values(paper))
        return [(term, counts[term]) for term in taxonomy.ids(vocabulary)]  # type: ignore[arg-type]

    gaps_by_paper = []
    for paper in papers:
        gaps = [name for name, has_gap in GAPS if has_gap(paper)] + (extra_gaps or {}).get(paper.id, [])
        if gaps:
            gaps_by_paper.append((paper.id, gaps))
    gap_totals = Counter(gap for _, gaps in gaps_by_paper for gap in gaps)
    return QualityReport(
        papers=len(papers),
        by_modality=per_term("modality", lambda paper: paper.modality),
        by_task=per_term("task", lambda paper: paper.task),
        by_method=per_term("method", lambda paper: paper.method),
        by_year=sorted(Counter(paper.year for paper in papers).items()),
        field_counts=[(name, sum(has(paper) for paper in papers)) for name, has in FIELDS],
        gap_counts=sorted(gap_totals.items(), key=lambda item: (-item[1], item[0])),
        gaps_by_paper=gaps_by_paper,
    )
