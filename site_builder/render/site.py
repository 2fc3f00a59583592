"""Every generated file of the website, as one linear recipe: Catalog in, {docs/-relative path: text} out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from schema import Catalog
from site_builder.catalog.link_status import LinkRecord
from site_builder.catalog.refresh_status import RefreshRecord
from site_builder.render.bibtex import render_bibtex
from site_builder.render.browse import BROWSE_INDEX_PATH, render_browse_index, render_browse_page
from site_builder.render.citation_exports import render_export_files
from site_builder.render.dataset_pages import BENCHMARKS_PATH, render_benchmarks_page, render_dataset_pages
from site_builder.render.exports import (
    render_papers_csv,
    render_papers_json,
    render_results_csv,
    render_results_json,
    result_records,
)
from site_builder.render.feed import FEED_PATH, render_atom_feed
from site_builder.render.help_wanted import HELP_WANTED_PATH, render_help_wanted_page
from site_builder.render.home import render_resources_page
from site_builder.render.leaderboards import label_efficiency, leaderboards
from site_builder.render.listing_pages import render_listing_pages
from site_builder.render.opensearch import OPENSEARCH_PATH, render_opensearch_description
from site_builder.render.paper_page import PaperPages, RunnableReference
from site_builder.render.performance import PERFORMANCE_PATH, render_performance_page
from site_builder.render.search_index import SEARCH_INDEX_PATH, SitePage, render_search_index
from site_builder.render.stats import render_stats_page
from site_builder.render.whats_new import WHATS_NEW_PATH, VenueChange, render_whats_new_page

# The download files, at the site root so their addresses stay short.
DOWNLOADS = ("catalog.bib", "papers.json", "papers.csv", "results.json", "results.csv", FEED_PATH)


@dataclass(frozen=True)
class SiteSettings:
    """What the pages need besides the catalog; mkdocs_hooks.py fills it from mkdocs.yml."""

    site_url: str  # absolute address of the site, for the feed
    repository_url: str  # the catalog's GitHub repository, for links to its files
    references: Mapping[str, RunnableReference] = field(default_factory=dict)
    hand_written: Sequence[SitePage] = ()  # docs/ pages, for the search index
    link_status: Mapping[str, LinkRecord] = field(default_factory=dict)  # URL -> last check; empty if never checked
    refresh_status: Mapping[str, RefreshRecord] = field(default_factory=dict)  # paper id -> last `medssl refresh`
    benchmarks: Mapping[str, object] = field(default_factory=dict)  # benchmark -> its bench/results JSON, if measured
    venue_changes: Sequence[VenueChange] = ()  # preprints `medssl refresh --apply` recorded as published
    workers: int = 1  # processes that render paper pages at once (used only for large catalogs)


def render_site_files(catalog: Catalog, settings: SiteSettings) -> dict[str, str]:
    """All generated pages and files, by their path inside docs/ (and so inside the site)."""
    paper_pages = PaperPages(
        catalog, settings.references, settings.repository_url, settings.link_status, settings.workers
    )
    with paper_pages:  # on a large catalog, other processes render them while this one does the rest
        files = _site_files_besides_paper_pages(catalog, settings)
        return {**paper_pages.result(), **files}


def _site_files_besides_paper_pages(catalog: Catalog, settings: SiteSettings) -> dict[str, str]:
    files: dict[str, str] = {}
    files.update(render_listing_pages(catalog))
    boards = leaderboards(catalog)  # shared by the dataset, Benchmarks and Stats pages
    files.update(render_dataset_pages(catalog, boards, label_efficiency(catalog)))
    files[BENCHMARKS_PATH] = render_benchmarks_page(catalog, boards)
    files["browse.md"] = render_browse_page(catalog)
    files[BROWSE_INDEX_PATH] = render_browse_index(catalog)
    files[SEARCH_INDEX_PATH] = render_search_index(catalog, settings.hand_written)
    files["stats.md"] = render_stats_page(catalog, boards)
    files["resources.md"] = render_resources_page(catalog)
    files[HELP_WANTED_PATH] = render_help_wanted_page(
        catalog, settings.link_status, settings.repository_url, settings.refresh_status
    )
    files[PERFORMANCE_PATH] = render_performance_page(settings.benchmarks, settings.repository_url)
    files["catalog.bib"] = render_bibtex(catalog)
    files["papers.json"] = render_papers_json(catalog)
    files["papers.csv"] = render_papers_csv(catalog)
    results = result_records(catalog)
    files["results.json"] = render_results_json(catalog, results)
    files["results.csv"] = render_results_csv(catalog, results)
    files[FEED_PATH] = render_atom_feed(catalog, settings.site_url)
    # Citing and finding: Browse's export data, What's new, the address bar's search.
    files.update(render_export_files(catalog))
    files[WHATS_NEW_PATH] = render_whats_new_page(catalog, settings.venue_changes)
    files[OPENSEARCH_PATH] = render_opensearch_description(settings.site_url)
    return files
