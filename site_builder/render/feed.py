"""feed.xml: an Atom feed of the papers most recently added to the catalog."""

from __future__ import annotations

from schema import Catalog, Paper
from site_builder.render.html import html_environment, paper_url

FEED_LENGTH = 50
FEED_PATH = "feed.xml"


def newest_added(catalog: Catalog, limit: int = FEED_LENGTH) -> list[Paper]:
    """Papers with an `added` date, most recently added first (ties by id, so the order is stable)."""
    dated = [paper for paper in catalog.papers if paper.added]
    dated.sort(key=lambda paper: paper.id)
    dated.sort(key=lambda paper: paper.added, reverse=True)  # type: ignore[arg-type,return-value]
    return dated[:limit]


def render_atom_feed(catalog: Catalog, site_url: str) -> str:
    """Atom 1.0 (RFC 4287). `site_url` is the site's absolute address, ending in '/'."""
    papers = newest_added(catalog)
    base = site_url if site_url.endswith("/") else site_url + "/"
    return (
        html_environment()
        .get_template("site_feed.xml.j2")
        .render(
            papers=papers,
            taxonomy=catalog.taxonomy,
            base=base,
            feed_url=base + FEED_PATH,
            updated=papers[0].added.isoformat() if papers else "1970-01-01",  # type: ignore[union-attr]
            page=lambda paper: base + paper_url(paper.id),
        )
    )
