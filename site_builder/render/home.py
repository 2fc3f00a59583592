"""The generated parts of the hand-written pages: the home page's counts and latest additions, and Resources."""

from __future__ import annotations

from schema import Catalog
from site_builder.render.feed import newest_added
from site_builder.render.html import html_environment, paper_url
from site_builder.render.readme import RESOURCE_SECTIONS, github_anchor

LATEST_ON_HOME = 8


def render_home_counts(catalog: Catalog) -> str:
    # Counts of current work: a retracted paper stays listed (marked) but is not counted.
    papers = [paper for paper in catalog.papers if paper.retracted is None]
    years = sorted({paper.year for paper in papers})
    return (
        html_environment()
        .get_template("site_home_counts.html.j2")
        .render(
            total=len(papers),
            medical=sum(paper.scope == "medical" for paper in papers),
            foundations=sum(paper.scope == "foundations" for paper in papers),
            modalities=len({m for paper in papers for m in paper.modality}),
            tasks=len({t for paper in papers for t in paper.task}),
            with_code=sum(bool(paper.links.code) for paper in papers),
            with_refs=sum(bool(paper.refs) for paper in papers),
            first_year=years[0] if years else None,
            last_year=years[-1] if years else None,
        )
    )


def render_latest_additions(catalog: Catalog, limit: int = LATEST_ON_HOME) -> str:
    """The most recently added papers, linked from the home page (which sits at the site root)."""
    return (
        html_environment()
        .get_template("site_home_latest.html.j2")
        .render(papers=newest_added(catalog, limit), taxonomy=catalog.taxonomy, paper_url=paper_url)
    )


def render_resources_page(catalog: Catalog) -> str:
    sections = [
        (title, [resource for resource in catalog.resources if resource.kind == kind])
        for kind, title in RESOURCE_SECTIONS
    ]
    return (
        html_environment()
        .get_template("site_resources.md.j2")
        .render(
            sections=[(title, items) for title, items in sections if items],
            count=len(catalog.resources),
            anchor=github_anchor,
        )
    )
