"""The What's new page: papers added, grouped by the month of their `added` date, and preprints that the
catalog has since recorded as published.

The venue changes are an input: the catalog keeps no history of its own (git does), so the page
lists what a caller hands it, a record such as `medssl refresh` may write, and says plainly when
nothing has been recorded.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from schema import Catalog, Paper
from site_builder.render.html import html_environment, paper_url, relative_url

WHATS_NEW_PATH = "whats-new.md"
MONTHS_SHOWN = 12  # the most recent months with additions; older ones are in Browse and the downloads


@dataclass(frozen=True)
class VenueChange:
    """A paper that moved from a preprint server to a published venue, as some record says."""

    paper_id: str
    old_venue: str  # taxonomy ids
    new_venue: str
    changed: datetime.date | None = None  # when the change was recorded, if known
    source: str | None = None  # where the published version was found


@dataclass(frozen=True)
class Month:
    key: str  # "2026-11": the section's anchor
    name: str  # "November 2026"
    papers: list[Paper]


def months_of_additions(catalog: Catalog, limit: int = MONTHS_SHOWN) -> list[Month]:
    """The latest `limit` months with additions, newest first; in a month, the latest added first, then by id."""
    dated = sorted((paper for paper in catalog.papers if paper.added), key=lambda paper: paper.id)
    dated.sort(key=lambda paper: paper.added, reverse=True)  # type: ignore[arg-type,return-value]
    months: dict[str, Month] = {}
    for paper in dated:
        added = paper.added
        assert added is not None
        key = f"{added.year}-{added.month:02d}"
        if key not in months:
            if len(months) == limit:
                break
            months[key] = Month(key, added.strftime("%B %Y"), [])
        months[key].papers.append(paper)
    return list(months.values())


def render_whats_new_page(catalog: Catalog, venue_changes: Sequence[VenueChange] = ()) -> str:
    here = "whats-new/"
    changes = [change for change in venue_changes if change.paper_id in catalog]
    changes.sort(key=lambda change: change.paper_id)
    changes.sort(key=lambda change: change.changed or datetime.date.min, reverse=True)
    template = html_environment().get_template("site_whats_new.md.j2")
    return template.render(
        months=months_of_additions(catalog),
        undated=sum(not paper.added for paper in catalog.papers),
        changes=changes,
        catalog=catalog,
        taxonomy=catalog.taxonomy,
        link=lambda url: relative_url(here, url),
        paper_url=paper_url,
    )
