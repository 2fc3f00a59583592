"""The Help wanted page: `medssl doctor`'s report for contributors, plus the links found dead at their last check.

The counting is `quality_report`'s; this module only adds the dead links as gaps and lays the
report out as tables whose shares are drawn as CSS bars.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from schema import Catalog
from site_builder.catalog.link_status import LinkRecord, paper_link_status
from site_builder.catalog.quality import STALE_CHECK_DAYS, STALE_PREPRINT_DAYS, quality_report
from site_builder.catalog.refresh_status import RefreshRecord
from site_builder.render.html import facet_url, html_environment, page_url, paper_url, relative_url

HELP_WANTED_PATH = "help-wanted.md"


@dataclass(frozen=True)
class CountRow:
    """One row of a count table: what, how many papers, their share of the catalog, and where it leads."""

    label: str
    count: int
    share: float  # 0..1 of all papers, the bar's length
    url: str | None = None  # site-relative page for this term or year, if it has one

    @property
    def percent(self) -> str:
        return "<1%" if 0 < self.share < 0.005 else f"{self.share:.0%}"


@dataclass(frozen=True)
class PaperGaps:
    paper_id: str
    title: str
    year: int
    gaps: Sequence[str]
    edit_url: str  # the entry's file, opened in GitHub's editor


def dead_link_gaps(catalog: Catalog, link_status: Mapping[str, LinkRecord]) -> dict[str, list[str]]:
    """Paper id -> 'dead link: <field> (checked <date>)' for each of its links that was dead at its last check."""
    records = dict(link_status)
    gaps: dict[str, list[str]] = {}
    for paper in catalog.papers:
        for field, record in paper_link_status(paper, records).items():
            if record.reachable is False:
                gaps.setdefault(paper.id, []).append(f"dead link: {field} (checked {record.checked.isoformat()})")
    return gaps


def _share(count: int, total: int) -> float:
    return count / total if total else 0.0


def _rows(counts: Sequence[tuple[object, int]], total: int) -> list[CountRow]:
    return [CountRow(str(label), count, _share(count, total)) for label, count in counts]


def render_help_wanted_page(
    catalog: Catalog,
    link_status: Mapping[str, LinkRecord],
    repository_url: str,
    refresh_status: Mapping[str, RefreshRecord] | None = None,
) -> str:
    """`link_status`: URL -> its last check, empty when links were never checked (then no link is a gap);
    `refresh_status`: paper id -> its last `medssl refresh`, for the stale section."""
    dead = dead_link_gaps(catalog, link_status)
    report = quality_report(catalog, dead, refresh_status or {})
    taxonomy = catalog.taxonomy
    total = report.papers

    def vocabulary_rows(vocabulary: str, counts: list[tuple[str, int]]) -> list[CountRow]:
        return [
            # A term with no papers has no page yet: no link.
            CountRow(
                taxonomy.label(vocabulary, term),
                count,
                _share(count, total),
                facet_url(vocabulary, term) if count else None,
            )
            for term, count in counts
        ]

    years = [
        CountRow(str(year), count, _share(count, total), facet_url("year", year)) for year, count in report.by_year
    ]
    coverage = [
        ("Papers per modality", "Modality", vocabulary_rows("modality", report.by_modality)),
        ("Papers per task", "Task", vocabulary_rows("task", report.by_task)),
        ("Papers per method family", "Method family", vocabulary_rows("method", report.by_method)),
        ("Papers per year", "Year", years),
    ]
    edit_base = f"{repository_url.rstrip('/')}/edit/main/catalog/papers"
    papers = [
        PaperGaps(
            paper_id, catalog.paper(paper_id).title, catalog.paper(paper_id).year, gaps, f"{edit_base}/{paper_id}.yaml"
        )
        for paper_id, gaps in report.gaps_by_paper
    ]
    last_check = max((record.checked for record in link_status.values()), default=None)
    template = html_environment().get_template("site_help_wanted.md.j2")
    return template.render(
        total=total,
        gap_rows=_rows(report.gap_counts, total),
        field_rows=_rows(report.field_counts, total),
        coverage=coverage,
        papers=papers,
        last_check=last_check.isoformat() if last_check else None,
        dead_links=sum(len(gaps) for gaps in dead.values()),
        stale=report.stale,
        published_versions=report.published_versions,
        as_of=report.as_of,
        titles={paper.id: paper.title for paper in catalog.papers},
        stale_preprint_days=STALE_PREPRINT_DAYS,
        stale_check_days=STALE_CHECK_DAYS,
        paper_url=paper_url,
        link=lambda url: relative_url(page_url(HELP_WANTED_PATH), url),
    )
