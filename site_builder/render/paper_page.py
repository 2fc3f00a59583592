"""One page per paper: metadata, main idea, reported results, links (with their last check), BibTeX, runnable
references, related papers."""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from schema import Catalog, Paper
from site_builder.catalog.link_status import LinkRecord, paper_link_status
from site_builder.render.citations import paper_citation
from site_builder.render.html import facet_url, html_environment, paper_url, relative_url
from site_builder.render.leaderboards import dataset_url, label_fraction_text

RELATED_LIMIT = 6
# Result columns beyond the fixed ones (dataset, task, metric, value, labels, protocol, model, backbone,
# source), shown only when some row fills them.
OPTIONAL_RESULT_COLUMNS = (
    ("split", "Split"),
    ("note", "Note"),
)


@dataclass(frozen=True)
class RunnableReference:
    """What a paper page shows of a runnable reference: where its code is and how to run it."""

    name: str
    source_url: str
    command: str


@dataclass(frozen=True)
class LinkState:
    """What a paper page says next to a link about its last check, e.g. 'dead (404) · checked 2026-11-20'."""

    status: str  # ok | redirected | blocked | dead, as recorded; the page styles each differently
    text: str  # "reachable", "dead (404)", "redirects to", "host refused automated checks (403)"
    redirect_url: str | None  # where a redirect led, shown after the text
    checked: str  # ISO date of the check


def link_state(record: LinkRecord) -> LinkState:
    code = f" ({record.code})" if record.code is not None else ""
    if record.status == "ok":
        text = "reachable"
    elif record.status == "redirected":
        text = "redirects to" if record.final_url else f"redirects{code}"
    elif record.status == "blocked":
        # 401/403/429: the host turns robots away, which says nothing about whether the page is there.
        text = f"host refused automated checks{code}"
    else:
        text = f"dead{code}" if code else "dead (no answer)"
    redirect = record.final_url if record.status == "redirected" else None
    return LinkState(record.status, text, redirect, record.checked.isoformat())


def related_papers(catalog: Catalog) -> dict[str, list[Paper]]:
    """Paper id -> up to RELATED_LIMIT other papers sharing a modality and a task, newest first.

    Buckets keyed by (modality, task) keep this linear in the catalog size: a paper takes the
    newest few of each of its buckets, its first-listed (main) modality and task first, until it
    has enough; those are then shown newest first.
    """
    newest = catalog.newest_first()
    rank = {paper.id: position for position, paper in enumerate(newest)}
    buckets: dict[tuple[str, str], list[Paper]] = {}
    for paper in newest:
        for modality in paper.modality:
            for task in paper.task:
                buckets.setdefault((modality, task), []).append(paper)
    related: dict[str, list[Paper]] = {}
    for paper in catalog.papers:
        chosen: dict[str, Paper] = {}
        for modality in paper.modality:
            for task in paper.task:
                for other in buckets[(modality, task)][: RELATED_LIMIT + 1]:
                    if other.id != paper.id and len(chosen) < RELATED_LIMIT:
                        chosen.setdefault(other.id, other)
        related[paper.id] = sorted(chosen.values(), key=lambda other: rank[other.id])
    return related


def browse_query(paper: Paper) -> str:
    """The Browse filter for 'papers like this one': its main modality and main task."""
    return urlencode([("modality", paper.modality[0]), ("task", paper.task[0])])


def render_paper_page(
    paper: Paper,
    catalog: Catalog,
    related: list[Paper],
    references: Mapping[str, RunnableReference],
    repository_url: str,
    link_records: Mapping[str, LinkRecord] | None = None,
) -> str:
    """`link_records`: the paper's link fields ('code', ...) -> their last check, as paper_link_status gives."""
    here = paper_url(paper.id)
    results = paper.results or []
    result_columns = [
        (field, heading) for field, heading in OPTIONAL_RESULT_COLUMNS if any(getattr(r, field) for r in results)
    ]
    template = html_environment().get_template("site_paper.md.j2")
    return template.render(
        paper=paper,
        taxonomy=catalog.taxonomy,
        datasets=catalog.datasets,
        dataset_url=dataset_url,
        label_fraction_text=label_fraction_text,
        stands_for={r.stands_for: catalog.paper(r.stands_for) for r in results if r.stands_for in catalog},
        venue=catalog.taxonomy.term("venue", paper.venue),
        summary_paragraphs=[part.strip() for part in (paper.summary or "").split("\n\n") if part.strip()],
        result_columns=result_columns,
        citation=paper_citation(paper, catalog.taxonomy),
        references=[references[name] for name in paper.refs or [] if name in references],
        link_states={field: link_state(record) for field, record in (link_records or {}).items()},
        related=related,
        browse_link=relative_url(here, "browse/") + "?" + browse_query(paper),
        entry_url=f"{repository_url.rstrip('/')}/blob/main/catalog/papers/{paper.id}.yaml",
        link=lambda url: relative_url(here, url),
        facet_url=facet_url,
        paper_url=paper_url,
    )


# Below this many papers one process renders every page: forking costs more than it saves (and the
# bundled catalog, `mkdocs serve` and the tests stay in one process).
PARALLEL_MIN_PAPERS = 2000


@dataclass(frozen=True)
class _PageWork:
    """Everything a paper page needs besides the paper: what each rendering process reads."""

    catalog: Catalog
    related: dict[str, list[Paper]]
    references: Mapping[str, RunnableReference]
    repository_url: str
    link_records: dict[str, LinkRecord]

    def pages(self, start: int, stop: int) -> list[str]:
        return [
            render_paper_page(
                paper,
                self.catalog,
                self.related[paper.id],
                self.references,
                self.repository_url,
                paper_link_status(paper, self.link_records),
            )
            for paper in self.catalog.papers[start:stop]
        ]


# The work forked processes inherit (fork copies memory, so nothing is pickled on the way in).
_forked_work: _PageWork | None = None


def _forked_pages(bounds: tuple[int, int]) -> list[str]:
    assert _forked_work is not None, "PaperPages sets the work before it forks"
    return _forked_work.pages(*bounds)


class PaperPages:
    """The paper pages, rendered while the caller does other work: `with PaperPages(...) as pages:`
    starts them, `pages.result()` waits for them.

    With `workers` > 1 and at least PARALLEL_MIN_PAPERS papers, that many forked processes render
    slices of the catalog (each page depends only on the catalog) while this process goes on; the
    pages are the same either way. Otherwise result() renders them here.
    """

    def __init__(
        self,
        catalog: Catalog,
        references: Mapping[str, RunnableReference],
        repository_url: str,
        link_status: Mapping[str, LinkRecord] | None = None,
        workers: int = 1,
    ) -> None:
        self._work = _PageWork(catalog, related_papers(catalog), references, repository_url, dict(link_status or {}))
        count = len(catalog.papers)
        self._parallel = (
            workers > 1 and count >= PARALLEL_MIN_PAPERS and "fork" in multiprocessing.get_all_start_methods()
        )
        self._workers = workers
        self._pool: multiprocessing.pool.Pool | None = None
        self._pending: multiprocessing.pool.AsyncResult[list[list[str]]] | None = None

    def __enter__(self) -> PaperPages:
        global _forked_work
        if self._parallel:
            count = len(self._work.catalog.papers)
            slices = self._workers * 4  # several slices a process even out the load
            bounds = [(count * part // slices, count * (part + 1) // slices) for part in range(slices)]
            _forked_work = self._work
            self._pool = multiprocessing.get_context("fork").Pool(self._workers)
            self._pending = self._pool.map_async(_forked_pages, bounds)
        return self

    def __exit__(self, *_: object) -> None:
        global _forked_work
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None
        _forked_work = None

    def result(self) -> dict[str, str]:
        """docs/-relative path -> page text, one per paper, in catalog order."""
        papers = self._work.catalog.papers
        if self._pending is not None:
            texts = [text for part in self._pending.get() for text in part]
        else:
            texts = self._work.pages(0, len(papers))
        return {f"{paper_url(paper.id).rstrip('/')}.md": text for paper, text in zip(papers, texts, strict=True)}


def render_paper_pages(
    catalog: Catalog,
    references: Mapping[str, RunnableReference],
    repository_url: str,
    link_status: Mapping[str, LinkRecord] | None = None,
    workers: int = 1,
) -> dict[str, str]:
    """docs/-relative path -> page text, one per paper. `repository_url` is where the catalog's files are shown;
    `link_status` (URL -> last check, empty when links were never checked) adds each link's state."""
    with PaperPages(catalog, references, repository_url, link_status, workers) as pages:
        return pages.result()
