"""`medssl refresh`: ask the bibliographic records whether a paper's facts have moved on.

For each paper it asks OpenAlex (by DOI, by arXiv id, then by title), with Crossref for the
publisher's record and Semantic Scholar when OpenAlex cannot answer, and proposes:
- a published venue (and its year) for a preprint,
- a DOI, and a complete author list,
- a retraction notice.

A record is used only when it is the same paper: the normalised title matches and the year and
first author agree. A look-alike is reported, never applied. A venue the taxonomy lacks is
reported with the closest term, never invented. Proposals are a diff per file; `--apply` writes
them atomically through `medssl fmt`'s round trip, keeping comments. A person still confirms
them and sets `checked`.
"""

from __future__ import annotations

import datetime
import difflib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from schema import Catalog, Paper, Taxonomy, normalise_title
from site_builder.catalog.load import PAPERS_DIR, display_path
from site_builder.catalog.problems import UsageError
from site_builder.catalog.write import write_atomic
from site_builder.contrib.fmt import canonical_text, round_trip_yaml
from site_builder.contrib.new_entry import normalise_venue
from site_builder.contrib.sources.crossref import fetch_crossref_record
from site_builder.contrib.sources.metadata import ascii_fold, family_name
from site_builder.contrib.sources.openalex import (
    WorkRecord,
    fetch_openalex_by_arxiv,
    fetch_openalex_by_doi,
    is_preprint_doi,
    search_openalex_by_title,
)
from site_builder.contrib.sources.semantic_scholar import fetch_semantic_scholar
from site_builder.http_client import FetchError, MetadataClient, NotFound

# A preprint's published version appears within a few years; an older record is another paper.
_PUBLISHED_WITHIN_YEARS = 3


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any
    source: str


@dataclass
class PaperReport:
    """What refresh found for one paper."""

    paper_id: str
    path: Path
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # refused look-alikes, venues not in the taxonomy
    errors: list[str] = field(default_factory=list)  # a source that could not be asked
    diff: str = ""

    @property
    def checked(self) -> bool:
        """True when at least one record was compared (the paper was refreshed)."""
        return not self.errors or bool(self.changes)


def same_paper(paper: Paper, record: WorkRecord) -> str | None:
    """None when `record` is this paper; else why it is not (for the report)."""
    meta = record.metadata
    if normalise_title(meta.title) != normalise_title(paper.title):
        return f"title differs: {meta.title!r}"
    if meta.year is not None:
        low, high = paper.year - 1, paper.year + (_PUBLISHED_WITHIN_YEARS if _is_preprint(paper) else 1)
        if not low <= meta.year <= high:
            return f"year {meta.year} does not agree with {paper.year}"
    if paper.authors and meta.authors:
        ours, theirs = ascii_fold(family_name(paper.authors[0])), ascii_fold(family_name(meta.authors[0]))
        if ours != theirs:
            return f"first author {meta.authors[0]!r} is not {paper.authors[0]!r}"
    return None


def _is_preprint(paper: Paper, taxonomy: Taxonomy | None = None) -> bool:
    return paper.venue in {"arXiv", "medRxiv", "bioRxiv"} or (
        taxonomy is not None and taxonomy.term("venue", paper.venue).type == "preprint"
    )


def _records(client: MetadataClient, paper: Paper, report: PaperReport) -> list[WorkRecord]:
    """Every record that may describe the paper, most specific first; failures go to report.errors."""
    records: list[WorkRecord] = []

    def ask(what: str, call: Any) -> None:
        try:
            found = call()
        except NotFound:
            return
        except FetchError as error:
            report.errors.append(f"{what}: {error}")
            return
        records.extend(found if isinstance(found, list) else [found])

    if paper.doi:
        ask("OpenAlex", lambda: fetch_openalex_by_doi(client, paper.doi))
        ask("Crossref", lambda: fetch_crossref_record(client, paper.doi))
    if paper.arxiv:
        ask("OpenAlex", lambda: fetch_openalex_by_arxiv(client, paper.arxiv))
    if not records and report.errors:  # OpenAlex could not answer: Semantic Scholar stands in
        kind, identifier = ("doi", paper.doi) if paper.doi else ("arxiv", paper.arxiv)
        if identifier:
            ask("Semantic Scholar", lambda: [_semantic_scholar_record(client, kind, identifier)])
    if not records and not report.errors:
        ask("OpenAlex", lambda: search_openalex_by_title(client, paper.title))
    published = {record.metadata.doi for record in records if record.metadata.doi}
    for doi in sorted(published - {paper.doi}):
        if not is_preprint_doi(doi):  # the publisher's own record of the version found
            ask("Crossref", lambda doi=doi: fetch_crossref_record(client, doi))
    return records


def _semantic_scholar_record(client: MetadataClient, kind: str, identifier: str) -> WorkRecord:
    metadata = fetch_semantic_scholar(client, kind, identifier)
    return WorkRecord(metadata, published_venues=metadata.venue_names)


def _authors_record(paper: Paper, matching: Sequence[WorkRecord], report: PaperReport) -> WorkRecord | None:
    """The record whose author list the entry takes: one of the entry's own version where there is one.

    A preprint and its journal version often list different authors, so a record of the DOI the
    entry has (or is about to get) wins over a longer list from another version.
    """
    with_authors = [record for record in matching if record.metadata.authors]
    doi = next((change.new for change in report.changes if change.field == "doi"), paper.doi)
    if doi:
        own = [record for record in with_authors if (record.metadata.doi or "").casefold() == doi.casefold()]
    else:
        own = [record for record in with_authors if not record.metadata.doi or is_preprint_doi(record.metadata.doi)]
    candidates = own or with_authors
    return max(candidates, key=lambda record: len(record.metadata.authors)) if candidates else None


def propose(paper: Paper, taxonomy: Taxonomy, records: Sequence[WorkRecord], report: PaperReport) -> None:
    """Fill report.changes and report.notes from the records that are this paper."""
    matching: list[WorkRecord] = []
    for record in records:
        reason = same_paper(paper, record)
        if reason is None:
            matching.append(record)
        else:
            source = record.metadata.sources[0] if record.metadata.sources else "a record"
            report.notes.append(f"refused {source}: not this paper ({reason})")
    if not matching:
        return
    if _is_preprint(paper, taxonomy):
        _propose_venue(paper, taxonomy, matching, report)
    if not paper.doi:
        dois = [r for r in matching if r.metadata.doi and not is_preprint_doi(r.metadata.doi)]
        if dois:
            report.changes.append(Change("doi", None, dois[0].metadata.doi, dois[0].metadata.sources[0]))
    with_authors = _authors_record(paper, matching, report)
    authors = list(with_authors.metadata.authors) if with_authors else []
    if with_authors and len(authors) > len(paper.authors or []):
        report.changes.append(Change("authors", paper.authors, authors, with_authors.metadata.sources[0]))
    for kind, url in dict.fromkeys(notice for record in matching for notice in record.other_notices):
        report.notes.append(f"the publisher lists a {kind.replace('_', ' ')}: {url}; check whether the entry needs it")
    retracted = [record for record in matching if record.is_retracted]
    if retracted and paper.retracted is None:
        notice = next((record for record in retracted if record.retraction_notice), None)
        if notice is None or notice.retraction_date is None:
            source = retracted[0].metadata.sources[0]
            report.notes.append(f"{source} flags a retraction; find the notice and set `retracted:` by hand")
        else:
            value = {"date": datetime.date.fromisoformat(notice.retraction_date), "notice": notice.retraction_notice}
            report.changes.append(Change("retracted", None, value, notice.metadata.sources[0]))


def _propose_venue(paper: Paper, taxonomy: Taxonomy, matching: Sequence[WorkRecord], report: PaperReport) -> None:
    for record in matching:
        if not record.published_venues:
            continue
        venue = normalise_venue(taxonomy, record.published_venues)
        source = record.metadata.sources[0]
        if venue is None:
            name = record.published_venues[0]
            closest = taxonomy.suggest("venue", name)
            hint = f" (closest: {closest})" if closest else ""
            report.notes.append(f"{source}: published in {name!r}, which is not in the taxonomy{hint}; add it first")
            return
        if taxonomy.term("venue", venue).type == "preprint":
            continue
        report.changes.append(Change("venue", paper.venue, venue, source))
        year = _published_year(matching)
        if year is not None and year != paper.year:
            report.changes.append(Change("year", paper.year, year, source))
        return


def _published_year(matching: Sequence[WorkRecord]) -> int | None:
    # The publisher's record (a non-preprint DOI) dates the published version; OpenAlex's merged
    # work may carry the preprint's year.
    for record in matching:
        doi = record.metadata.doi
        if doi and not is_preprint_doi(doi) and any("crossref" in source for source in record.metadata.sources):
            return record.metadata.year
    return None


def apply_changes(text: str, changes: Sequence[Change]) -> str:
    """The file's text with `changes` set, through the comment-keeping round trip and canonical form."""
    yaml = round_trip_yaml()
    data = yaml.load(text)
    if not isinstance(data, CommentedMap):
        raise UsageError("the file is not a mapping of field: value")
    for change in changes:
        data[change.field] = change.new
    stream = io.StringIO()
    yaml.dump(data, stream)
    return canonical_text(stream.getvalue(), "paper")


def refresh(
    catalog: Catalog,
    catalog_dir: Path,
    client: MetadataClient,
    selected: Sequence[str] = (),
    apply: bool = False,
) -> list[PaperReport]:
    """One report per selected paper (all when none), in id order; writes only with `apply`."""
    papers = [catalog.paper(paper_id) for paper_id in selected] if selected else list(catalog.papers)
    reports = []
    for paper in sorted(papers, key=lambda paper: paper.id):
        path = catalog_dir / PAPERS_DIR / f"{paper.id}.yaml"
        report = PaperReport(paper.id, path)
        propose(paper, catalog.taxonomy, _records(client, paper, report), report)
        if report.changes:
            original = path.read_text(encoding="utf-8")
            updated = apply_changes(original, report.changes)
            shown = display_path(path)
            report.diff = "".join(
                difflib.unified_diff(
                    original.splitlines(keepends=True), updated.splitlines(keepends=True), shown, f"{shown} (refresh)"
                )
            )
            if apply:
                write_atomic(path, updated)
        reports.append(report)
    return reports


def resolve_selection(catalog: Catalog, arguments: Sequence[str]) -> list[str]:
    """Paper ids from ids or file paths; UsageError naming the first that is neither."""
    ids = []
    for argument in arguments:
        candidate = Path(argument).stem if argument.endswith(".yaml") else argument
        if candidate not in catalog:
            close = difflib.get_close_matches(candidate, [paper.id for paper in catalog.papers], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise UsageError(f"no paper {argument!r} in the catalog{hint}")
        ids.append(candidate)
    return ids


def render_refresh_status(
    reports: Sequence[PaperReport], today: datetime.date, previous: dict[str, Any], applied: bool = False
) -> str:
    """catalog/refresh-status.json: when each paper was last compared with its records, what is still
    proposed, and the preprint venues an applied run replaced (the site's What's new lists those).

    Papers not refreshed this time keep their previous entry, so a partial run loses nothing.
    """
    papers = dict(previous.get("papers", {}))
    for report in reports:
        if not report.checked:
            continue
        entry: dict[str, Any] = {
            "refreshed": today.isoformat(),
            "proposed": [] if applied else sorted({change.field for change in report.changes}),
        }
        venue = next((change for change in report.changes if change.field == "venue"), None)
        if applied and venue is not None:
            entry["venue_change"] = {"old": venue.old, "new": venue.new, "applied": today.isoformat()}
        elif "venue_change" in papers.get(report.paper_id, {}):
            entry["venue_change"] = papers[report.paper_id]["venue_change"]
        papers[report.paper_id] = entry
    document = {"papers": dict(sorted(papers.items()))}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
