"""`medssl issue-entry`: a maintainer-accepted "Suggest a paper" issue -> a catalog entry and its pull request
text, or the comment that lists exactly what is wrong (workflows/issue-to-pr.yml runs it).

Stages: read the form (issue_form.py), take the facts from a bibliographic record as `medssl add`
does (the arXiv id, else the DOI, else the issue's BibTeX; the form's own facts only when it gives
none of them), fill in what the contributor confirmed (modality, task, method, dimension, code,
summary, sources), validate the paper, and only then create its file. The file is validated again
as `medssl validate` would; if that fails it is removed. A refused issue writes nothing.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from schema import Paper, Taxonomy, normalise_title
from site_builder.catalog import paths
from site_builder.catalog.load import PAPERS_DIR, display_path, load_catalog
from site_builder.catalog.problems import MedsslError, format_problems
from site_builder.contrib.add import DuplicatePaper, ExcludedPaper, fetch_metadata
from site_builder.contrib.bibtex_import import read_bibtex
from site_builder.contrib.catalog_index import CatalogIndex, load_taxonomy_or_fail
from site_builder.contrib.fmt import render_paper_yaml
from site_builder.contrib.issue_form import (
    ConfirmedFields,
    FormProblem,
    IssueFormError,
    confirm_fields,
    label_of,
    parse_issue_body,
)
from site_builder.contrib.new_entry import base_id, create_entry_file, normalise_venue
from site_builder.contrib.sources.metadata import PaperMetadata
from site_builder.http_client import FetchError, MetadataClient, default_cache_dir

AFTER_FAILURE = "Edit the issue to fix these; a maintainer then removes and re-adds the `accepted` label to try again."


@dataclass(frozen=True)
class IssueOutcome:
    """Either an entry (path, pull request title and body) or the comment for the issue."""

    path: Path | None
    pr_title: str = ""
    pr_body: str = ""
    comment: str = ""

    @property
    def ok(self) -> bool:
        return self.path is not None


def form_metadata(fields: ConfirmedFields) -> PaperMetadata:
    """The contributor's own facts, as a record: the fallback when no bibliographic record is named."""
    return PaperMetadata(
        title=fields.title,
        authors=tuple(fields.authors),
        year=fields.year,
        venue_names=(fields.venue_text,),
        doi=fields.doi,
        arxiv=fields.arxiv,
        paper_url=fields.paper,
        sources=tuple(fields.sources),
    )


def record_metadata(
    fields: ConfirmedFields, client: MetadataClient | None, root: Path, offline: bool
) -> tuple[PaperMetadata, list[str], list[str]]:
    """The paper's record, notes for the maintainer and the problems (line-numbered) that stop the entry."""
    if fields.arxiv or fields.doi:
        # The publisher's record decides when there is one; `medssl add` also reaches it from an arXiv id.
        kind, identifier = ("doi", fields.doi) if fields.doi else ("arxiv", fields.arxiv)
        own = client is None
        client = client or MetadataClient(default_cache_dir(root), offline=offline)
        try:
            metadata, warnings = fetch_metadata(client, kind, identifier or "")
        except FetchError as error:
            return form_metadata(fields), [], [f"{kind} {identifier}: the record could not be fetched ({error})"]
        finally:
            if own:
                client.close()
        if not same_title(metadata.title, fields.title):
            line = fields.lines.get("doi" if kind == "doi" else "arxiv", 1)
            problem = f"its record is titled {metadata.title!r}, the issue {fields.title!r}: check the id or the title"
            return metadata, [], [str(FormProblem(line, label_of(kind), problem))]
        notes = [*warnings]
        for name in ("doi", "arxiv"):
            given, recorded = getattr(fields, name), getattr(metadata, name)
            if given and recorded and given.casefold() != recorded.casefold():
                notes.append(f"{name}: the issue says {given}, the record {recorded}; kept the record's")
            elif given and not recorded:
                notes.append(f"{name}: {given} is from the issue only (the record does not name it); check it")
        return metadata.filled_from(form_metadata(fields)), notes, []
    if fields.bibtex:
        entries, rejections = read_bibtex(fields.bibtex)
        if rejections:
            first = rejections[0]
            line = fields.bibtex_line + first.line - 1
            return form_metadata(fields), [], [str(FormProblem(line, "BibTeX", first.reason))]
        if len(entries) != 1:
            found = f"{len(entries)} entries" if entries else "no entry"
            return form_metadata(fields), [], [str(FormProblem(fields.bibtex_line, "BibTeX", f"{found}; give one"))]
        metadata = entries[0].metadata
        return replace(metadata.filled_from(form_metadata(fields)), sources=tuple(fields.sources)), [], []
    return form_metadata(fields), ["facts from the issue form only: check them against the paper"], []


def same_title(recorded: str, given: str) -> bool:
    """The same title up to case, punctuation and accents, or one is the other without its subtitle."""
    ours, theirs = normalise_title(given), normalise_title(recorded)
    return bool(ours) and (ours == theirs or theirs.startswith(ours) or ours.startswith(theirs))


def entry_data(
    metadata: PaperMetadata, fields: ConfirmedFields, taxonomy: Taxonomy, today: datetime.date
) -> tuple[dict[str, Any], list[str]]:
    """The paper's fields: the record's facts, then what the contributor confirmed; and notes on disagreements."""
    notes: list[str] = []
    venue = normalise_venue(taxonomy, metadata.venue_names)
    year = metadata.year or fields.year
    preprint = venue is None or taxonomy.term("venue", venue).type == "preprint"
    if fields.venue and fields.venue != venue and preprint:
        if venue:
            notes.append(f"venue: the record says {venue}, the issue {fields.venue}; used the issue's, check it")
        venue, year = fields.venue, fields.year
    elif fields.venue and venue and fields.venue != venue:
        notes.append(f"venue: the issue says {fields.venue}; kept the record's {venue}")
    if metadata.title.casefold() != fields.title.casefold():
        notes.append(f"title: the issue says {fields.title!r}; kept the record's")
    if year != fields.year:
        notes.append(f"year: the issue says {fields.year}; kept {year}")
    data: dict[str, Any] = {"title": metadata.title}
    if metadata.authors:
        data["authors"] = list(metadata.authors)
    data["year"] = year
    if metadata.month:
        data["month"] = metadata.month
    data["venue"] = venue or fields.venue_text
    data.update(modality=fields.modality, task=fields.task, method=fields.method)
    if fields.dimension:
        data["dimension"] = fields.dimension
    if metadata.arxiv:
        data["arxiv"] = metadata.arxiv
    if metadata.doi:
        data["doi"] = metadata.doi
    links = {"paper": metadata.paper_url or fields.paper, "code": fields.code}
    data["links"] = {name: link for name, link in links.items() if link}
    if fields.summary:
        data["summary"] = fields.summary
    data["added"] = today
    data["sources"] = list(dict.fromkeys((*metadata.sources, *fields.sources)))
    return data, notes


def schema_problems(error: ValidationError, fields: ConfirmedFields) -> list[str]:
    """The schema's complaints about the composed entry, at the issue line of the answer where the form asked."""
    lines = []
    for problem in error.errors():
        location = [str(part) for part in problem["loc"]]
        message = str(problem["msg"]).removeprefix("Value error, ")
        name = location[-1] if location else ""
        if name in fields.lines:
            lines.append(str(FormProblem(fields.lines[name], label_of(name), message)))
        else:
            lines.append(f"{'.'.join(location) or 'entry'}: {message}")
    return lines


def add_issue_entry(
    root: Path,
    body: str,
    issue_number: int,
    *,
    today: datetime.date | None = None,
    client: MetadataClient | None = None,
    offline: bool = False,
) -> IssueOutcome:
    """Create catalog/papers/<id>.yaml from the issue, or say why not; nothing is written when it fails."""
    taxonomy = load_taxonomy_or_fail(root)
    try:
        fields = confirm_fields(parse_issue_body(body), taxonomy)
    except IssueFormError as error:
        return refused(issue_number, [str(problem) for problem in error.problems])
    catalog_dir = paths.catalog_dir(root)
    index = CatalogIndex.of_catalog(catalog_dir, taxonomy)
    try:
        found = index.find(fields.title, fields.doi, fields.arxiv)
        if found:
            raise DuplicatePaper(found)  # before any request
        metadata, warnings, problems = record_metadata(fields, client, root, offline)
        if problems:
            return refused(issue_number, problems)
        found = index.find(metadata.title, metadata.doi, metadata.arxiv)
        if found:
            raise DuplicatePaper(found)
        excluded = index.find_excluded(metadata.title, metadata.doi, metadata.arxiv)
        if excluded:
            raise ExcludedPaper(excluded)
    except MedsslError as error:
        return refused(issue_number, [str(error)])
    data, notes = entry_data(metadata, fields, taxonomy, today or datetime.date.today())
    paper_id = base_id(metadata)
    try:
        paper = Paper.model_validate({"id": paper_id, **data}, context={"taxonomy": taxonomy})
    except ValidationError as error:
        return refused(issue_number, schema_problems(error, fields))
    papers_dir = catalog_dir / PAPERS_DIR
    path = create_entry_file(papers_dir, paper.id, render_paper_yaml(paper))
    assert path.resolve().parent == papers_dir.resolve(), path  # ids are [a-z0-9-]; a second lock all the same
    # As `medssl validate FILE` checks it: the catalog with the new file, problems of that file only.
    shown = display_path(path)
    result = load_catalog(catalog_dir, extra_papers=[path])
    problems = [problem for problem in result.problems if problem.path == shown]
    errors = [problem for problem in problems if problem.severity == "error"]
    if errors:
        path.unlink()
        return refused(issue_number, format_problems(errors))
    report = [*format_problems(problems), f"OK: {shown} passes `medssl validate`"]
    return IssueOutcome(
        path,
        pr_title=f"Add {path.stem} (issue #{issue_number})",
        pr_body=pr_body(issue_number, path, metadata, [*warnings, *notes], fields, report),
    )


def fenced(text: str, language: str = "") -> str:
    """`text` in a Markdown code block whose fence no run of backticks inside can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text.rstrip()}\n{fence}"


def pr_body(
    issue_number: int,
    path: Path,
    metadata: PaperMetadata,
    notes: list[str],
    fields: ConfirmedFields,
    report: list[str],
) -> str:
    shown = display_path(path)
    sources = [f"- {source}" for source in metadata.sources] or ["- the issue form"]
    left = ["- Read the paper and check each field of the file; then set `checked` to today's date."]
    if fields.results:
        left.append("- Transcribe the issue's **Results** by hand (`results:` keeps each number as printed).")
    if fields.weights:
        left.append(f"- Add the **Pretrained weights** ({fields.weights}) with their host, licence and access.")
    lines = [
        f"Made by `medssl issue-entry` from #{issue_number}, after a maintainer added the `accepted` label.",
        "",
        f"Closes #{issue_number}.",
        "",
        f"### `{shown}`",
        "",
        fenced(path.read_text(encoding="utf-8"), "yaml"),
        "",
        "### Facts from",
        "",
        *sources,
        "",
        "### Validation",
        "",
        fenced("\n".join(report)),
        "",
    ]
    if notes:
        lines += ["### Notes", "", fenced("\n".join(notes)), ""]
    lines += ["### Left to the reviewer", "", *left, ""]
    return "\n".join(lines)


def refused(issue_number: int, problems: list[str]) -> IssueOutcome:
    """The comment for an issue that did not make an entry: every problem, exactly, in a code block."""
    # In a code block (whose fence no backticks inside can close) nothing from the issue renders, links or mentions.
    text = "\n".join(problems)
    comment = "\n".join(
        [
            f"`medssl issue-entry` could not make a catalog entry from #{issue_number}:",
            "",
            fenced(text),
            "",
            AFTER_FAILURE,
            "",
        ]
    )
    return IssueOutcome(None, comment=comment)
