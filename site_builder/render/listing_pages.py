"""Index pages: one per modality, task, method and year, each listing its papers, plus an overview per facet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

from markupsafe import Markup

from schema import Catalog, Paper
from site_builder.render.html import FACET_DIRS, facet_url, html_environment, paper_url, relative_url

Facet = Literal["modality", "task", "method", "year"]
FACET_TITLES: dict[Facet, tuple[str, str]] = {
    # facet -> (overview title, what a term is called in a sentence)
    "modality": ("Papers by modality", "imaging modality"),
    "task": ("Papers by task", "downstream task"),
    "method": ("Papers by method family", "self-supervised method family"),
    "year": ("Papers by year", "year"),
}


@dataclass(frozen=True)
class Term:
    """One value of a facet with its page and papers (newest first)."""

    facet: Facet
    value: str
    label: str
    description: str
    url: str
    papers: list[Paper]

    @property
    def browse_query(self) -> str:
        """The Browse filter that shows the same papers."""
        if self.facet == "year":
            return urlencode([("from", self.value), ("to", self.value)])
        return urlencode([(self.facet, self.value)])


def facet_terms(catalog: Catalog, facet: Facet) -> list[Term]:
    """The facet's values that have papers, in taxonomy order (years newest first)."""
    grouped: dict[str, list[Paper]] = {}
    for paper in catalog.newest_first():
        values = [str(paper.year)] if facet == "year" else getattr(paper, facet)
        for value in values:
            grouped.setdefault(value, []).append(paper)
    if facet == "year":
        return [
            Term("year", year, year, f"Papers published in {year}.", facet_url("year", year), grouped[year])
            for year in sorted(grouped, reverse=True)
        ]
    taxonomy = catalog.taxonomy
    return [
        Term(
            facet,
            value,
            taxonomy.label(facet, value),
            taxonomy.term(facet, value).description,
            facet_url(facet, value),
            grouped[value],
        )
        for value in taxonomy.ids(facet)
        if value in grouped
    ]


def _context(catalog: Catalog, here: str) -> dict[str, object]:
    link: Callable[[str], str] = lambda url: relative_url(here, url)  # noqa: E731
    return {"taxonomy": catalog.taxonomy, "link": link, "paper_url": paper_url, "facet_url": facet_url}


def paper_rows(catalog: Catalog) -> dict[str, Markup]:
    """Each paper's table row, rendered once: a paper is listed under each of its modalities,
    tasks and methods and its year, so at 10,000 papers this saves ~60,000 renders.
    Every value page sits two folders deep (`modality/ct/`), hence the one link prefix."""
    row = html_environment().get_template("site_macros.j2").module.paper_row  # type: ignore[attr-defined]
    return {paper.id: row(paper, catalog.taxonomy, "../../") for paper in catalog.papers}


def render_facet_pages(catalog: Catalog, facet: Facet, rows: dict[str, Markup]) -> dict[str, str]:
    """docs/-relative path -> page text: the facet's overview and one page per value."""
    environment = html_environment()
    terms = facet_terms(catalog, facet)
    title, noun = FACET_TITLES[facet]
    directory = FACET_DIRS[facet]
    pages = {
        f"{directory}/index.md": environment.get_template("site_facet_index.md.j2").render(
            title=title, noun=noun, terms=terms, facet=facet, **_context(catalog, f"{directory}/")
        )
    }
    term_template = environment.get_template("site_facet_term.md.j2")
    for term in terms:
        assert term.url.count("/") == 2, "paper_rows() links from two folders deep"
        pages[term.url.rstrip("/") + ".md"] = term_template.render(
            term=term,
            noun=noun,
            facet=facet,
            overview_title=title,
            rows=Markup("\n").join(rows[paper.id] for paper in term.papers),
            **_context(catalog, term.url),
        )
    return pages


def render_listing_pages(catalog: Catalog) -> dict[str, str]:
    rows = paper_rows(catalog)
    pages: dict[str, str] = {}
    for facet in FACET_TITLES:
        pages.update(render_facet_pages(catalog, facet, rows))
    return pages
