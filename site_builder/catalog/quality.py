"""What the catalog covers and what each paper still lacks: the facts behind `medssl doctor`."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from schema import Catalog, Paper
from site_builder.catalog.primary_records import primary_records
from site_builder.catalog.refresh_status import RefreshRecord

# A preprint may be published any week; one nobody compared with its records for this long is stale.
STALE_PREPRINT_DAYS = 90
# An entry whose facts nobody re-read against its sources for this long is due a new check.
STALE_CHECK_DAYS = 365

# Each check names a gap a contributor can fill; the site's "help wanted" page lists them.
GAPS: tuple[tuple[str, Callable[[Paper], bool]], ...] = (
    ("no DOI or arXiv id", lambda paper: not (paper.doi or paper.arxiv)),
    ("no authors", lambda paper: not paper.authors),
    ("no code link", lambda paper: not paper.links.code),
    ("no summary", lambda paper: not paper.summary),
    ("no reported results", lambda paper: not paper.results),
    ("no sources", lambda paper: not paper.sources),
    ("no primary record among its sources", lambda paper: bool(paper.sources) and not primary_records(paper)),
    ("modality unspecified", lambda paper: "unspecified" in paper.modality),
    ("no dimension", lambda paper: not paper.dimension),
    ("not checked against its sources", lambda paper: paper.checked is None),
    ("code without a licence", lambda paper: bool(paper.links.code) and not paper.license),
    ("weights without a licence", lambda paper: any(w.license is None for w in paper.weights or ())),
    ("weights without their access", lambda paper: any(w.access is None for w in paper.weights or ())),
    ("weights without their kind", lambda paper: any(w.kind is None for w in paper.weights or ())),
)

FIELDS: tuple[tuple[str, Callable[[Paper], bool]], ...] = (
    ("authors", lambda paper: bool(paper.authors)),
    ("DOI or arXiv id", lambda paper: bool(paper.doi or paper.arxiv)),
    ("code link", lambda paper: bool(paper.links.code)),
    ("code link or DOI/arXiv id", lambda paper: bool(paper.links.code or paper.doi or paper.arxiv)),
    ("summary", lambda paper: bool(paper.summary)),
    ("results", lambda paper: bool(paper.results)),
    ("sources", lambda paper: bool(paper.sources)),
    ("a primary record among its sources", lambda paper: bool(primary_records(paper))),
    ("checked", lambda paper: paper.checked is not None),
    ("code licence", lambda paper: bool(paper.license)),
    ("weights released", lambda paper: bool(paper.weights)),
    ("weights with their licence", lambda paper: bool(paper.weights) and all(w.license for w in paper.weights)),
    ("weights with their access", lambda paper: bool(paper.weights) and all(w.access for w in paper.weights)),
    ("pretraining data", lambda paper: bool(paper.pretraining_data)),
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
    stale: list[tuple[str, str]] = field(default_factory=list)  # (paper id, why it is due a look)
    published_versions: list[str] = field(default_factory=list)  # preprints refresh found published
    retracted: list[str] = field(default_factory=list)  # left out of every count above
    as_of: str | None = None  # the date staleness is measured at


def stale_entries(
    papers: list[Paper], refresh_status: Mapping[str, RefreshRecord], today: datetime.date, is_preprint: set[str]
) -> list[tuple[str, str]]:
    """Preprints not refreshed for STALE_PREPRINT_DAYS and entries not checked for STALE_CHECK_DAYS."""
    stale = []
    for paper in papers:
        if paper.venue in is_preprint:
            record = refresh_status.get(paper.id)
            if record is None:
                stale.append((paper.id, "preprint never refreshed"))
            elif (today - record.refreshed).days > STALE_PREPRINT_DAYS:
                stale.append((paper.id, f"preprint last refreshed {record.refreshed.isoformat()}"))
        if paper.checked is not None and (today - paper.checked).days > STALE_CHECK_DAYS:
            stale.append((paper.id, f"last checked {paper.checked.isoformat()}"))
    return stale


def quality_report(
    catalog: Catalog,
    extra_gaps: dict[str, list[str]] | None = None,
    refresh_status: Mapping[str, RefreshRecord] | None = None,
    today: datetime.date | None = None,
) -> QualityReport:
    """Counts per vocabulary term, year and field, each paper's gaps, and what is stale.

    `extra_gaps` adds gaps known from outside the catalog files (e.g. a dead link as of the
    last link check), keyed by paper id. `refresh_status` is the last `medssl refresh` record;
    staleness is measured at `today` (default: the newest date the records hold, so a page
    built from the same files is the same page on any day). Retracted papers are listed, and
    left out of every count of current work.
    """
    taxonomy = catalog.taxonomy
    papers = [paper for paper in catalog.papers if paper.retracted is None]
    refresh_status = refresh_status or {}
    if today is None:
        dates = [record.refreshed for record in refresh_status.values()]
        dates += [paper.checked for paper in papers if paper.checked is not None]
        today = max(dates, default=None)
    preprints = {term for term in taxonomy.ids("venue") if taxonomy.term("venue", term).type == "preprint"}

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
        stale=stale_entries(papers, refresh_status, today, preprints) if today else [],
        published_versions=sorted(
            paper.id for paper in papers if paper.venue in preprints and "venue" in _proposed(refresh_status, paper.id)
        ),
        retracted=sorted(paper.id for paper in catalog.papers if paper.retracted is not None),
        as_of=today.isoformat() if today else None,
    )


def _proposed(refresh_status: Mapping[str, RefreshRecord], paper_id: str) -> tuple[str, ...]:
    record = refresh_status.get(paper_id)
    return record.proposed if record else ()
