"""A new catalog file from a source's metadata: its id, the facts, and proposals left for a person.

Facts (title, authors, year, venue, identifiers, sources) are written as YAML; the required
modality/task/method are written only as commented-out proposals, so the file fails
`medssl validate` until someone has read the paper and confirmed them. Files are created
exclusively: an existing file is never overwritten, and two writers never share an id.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from schema import Paper, Taxonomy, VocabularyError
from site_builder.catalog.problems import ProblemsFound
from site_builder.catalog.write import create_exclusive
from site_builder.contrib.fmt import render_paper_yaml
from site_builder.contrib.proposals import propose
from site_builder.contrib.sources.metadata import PaperMetadata, ascii_fold, family_name

REQUIRED_TO_CONFIRM = ("modality", "task", "method")
WORTH_ADDING = "links.code, summary, dimension, pretext, pretraining_data, results"
MAX_SUFFIX = 99
_STOPWORD_TEXT = """a an the of for and or in on with to via by from using use at is are as its into through based
towards toward we our be can not do does what how when than this that"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# Leading words that some sources put before a venue's name as the taxonomy knows it.
_VENUE_PREFIXES = (r"(ieee/cvf|ieee|acm)\s+", r"(the\s+)?(annual\s+)?(international\s+)?(conference|workshop)\s+on\s+")
# Optional facts that, if a source gives a malformed value, are left out rather than failing the entry.
_OPTIONAL_FACTS = ("authors", "month", "doi", "arxiv", "links", "sources")


class InvalidMetadata(ProblemsFound):
    """The source's record lacks or mangles a fact every entry needs (title, year, a link)."""


@dataclass(frozen=True)
class Draft:
    """The text of a new paper file and what a person still has to do in it."""

    base_id: str
    text: str
    todo: tuple[str, ...]
    notes: tuple[str, ...]


def venue_candidates(name: str) -> list[str]:
    """Spellings of a venue name to look up: as given, its acronym, and trimmed of years, volumes and prefixes."""
    found = [name, *re.findall(r"\(([^()]+)\)", name)]
    base = re.sub(r"\([^()]*\)", " ", name)
    for part in [base, *re.split(r"\s[–—-]\s|:|,|;", base)]:
        text = re.sub(r"arxiv:\s*\S+", " ", part, flags=re.IGNORECASE)
        text = re.sub(r"^\s*(in\s+)?(proceedings of( the)?|proc\.)\s+", " ", text, flags=re.IGNORECASE)
        text = re.sub(r"\b\d+(st|nd|rd|th)\b|\d+", " ", text)  # years, ordinals, volume and page numbers
        text = re.sub(r"\.org\b", " ", text, flags=re.IGNORECASE)
        text = re.sub(r"\s+", " ", text.replace("-", " ")).strip(" .,;")
        found.append(text)
        for prefix in _VENUE_PREFIXES:
            found.append(re.sub(rf"^{prefix}", "", text, flags=re.IGNORECASE))
    return [item for item in dict.fromkeys(found) if item.strip()]


def normalise_venue(taxonomy: Taxonomy, names: tuple[str, ...]) -> str | None:
    """The taxonomy id of the first of `names` that some spelling of it names (id, alias or label), if any."""
    labels = {taxonomy.label("venue", term_id).casefold(): term_id for term_id in taxonomy.ids("venue")}
    for name in names:
        for candidate in venue_candidates(name):
            try:
                return taxonomy.normalise("venue", candidate)
            except VocabularyError:
                if candidate.casefold() in labels:  # exported BibTeX names venues by their label
                    return labels[candidate.casefold()]
    return None


def slug_words(title: str) -> list[str]:
    """2-4 words for the id: a short 'Name:' prefix if the title has one, else its first words."""

    def significant(text: str) -> list[str]:
        words = re.findall(r"[a-z0-9]+", ascii_fold_keep_spaces(text))
        return [word for word in words if word not in STOPWORDS]

    head, colon, tail = title.partition(":")
    head_words = significant(head)
    if colon and 1 <= len(head_words) <= 4:
        return head_words if len(head_words) >= 2 else head_words + significant(tail)[:1]
    return significant(title)[:3]


def ascii_fold_keep_spaces(text: str) -> str:
    return " ".join(ascii_fold(word) for word in re.split(r"[\s\-_/]+", text))


def base_id(metadata: PaperMetadata) -> str:
    """<first author's family name><year>-<slug words>, e.g. zhou2019-models-genesis."""
    family = metadata.first_author_family or (family_name(metadata.authors[0]) if metadata.authors else "")
    words = slug_words(metadata.title)
    prefix = ascii_fold(family)
    if not prefix:  # no author: the title's first word stands in for the family name
        prefix = words.pop(0) if len(words) > 1 else "paper"
    paper_id = "-".join([f"{prefix}{metadata.year or ''}", *words])
    return paper_id[:70].rstrip("-")


def build_draft(metadata: PaperMetadata, taxonomy: Taxonomy, today: datetime.date) -> Draft:
    """The file text for `metadata`; InvalidMetadata when a required fact is missing or malformed."""
    notes: list[str] = []
    todo: list[str] = []
    venue = normalise_venue(taxonomy, metadata.venue_names)
    if venue is None:
        named = metadata.venue_names[0] if metadata.venue_names else None
        what = f"{named!r} is not a venue in catalog/taxonomy.yaml" if named else "the source names no venue"
        todo.append(f"venue: {what}; add it to taxonomy.yaml or pick one of: {', '.join(taxonomy.ids('venue'))}")
    facts = _facts(metadata, venue, today)
    paper = _validated(facts, base_id(metadata), venue, taxonomy, notes)
    proposals = propose(taxonomy, metadata.title, metadata.abstract)
    block = _proposal_block(proposals, metadata.venue_names, venue, taxonomy)
    for vocabulary in REQUIRED_TO_CONFIRM:
        proposed = proposals[vocabulary]
        if proposed:
            todo.append(f"{vocabulary}: confirm or correct the proposal [{', '.join(proposed)}], then uncomment it")
        else:
            todo.append(f"{vocabulary}: nothing to propose; write it with ids from catalog/taxonomy.yaml")
    if not metadata.sources:
        todo.append("sources: add the URL where you checked these facts (the DOI or arXiv page will do)")
    removed = {*REQUIRED_TO_CONFIRM, *(() if venue else ("venue",))}
    text = _replace_top_level_keys(render_paper_yaml(paper), removed, block)
    return Draft(paper.id, text, tuple(todo), tuple(notes))


def _facts(metadata: PaperMetadata, venue: str | None, today: datetime.date) -> dict[str, Any]:
    facts: dict[str, Any] = {"title": metadata.title}
    if metadata.authors:
        facts["authors"] = list(metadata.authors)
    facts["year"] = metadata.year
    if metadata.month:
        facts["month"] = metadata.month
    facts["venue"] = venue
    if metadata.arxiv:
        facts["arxiv"] = metadata.arxiv
    if metadata.doi:
        facts["doi"] = metadata.doi
    if metadata.paper_url:
        facts["links"] = {"paper": metadata.paper_url}
    facts["added"] = today
    if metadata.sources:
        facts["sources"] = list(metadata.sources)
    return facts


def _validated(facts: dict[str, Any], paper_id: str, venue: str | None, taxonomy: Taxonomy, notes: list[str]) -> Paper:
    """The facts as a Paper, checked by the schema; vocabulary fields hold placeholders that are never written."""
    if facts["year"] is None:
        raise InvalidMetadata("the source gives no year; the catalog needs one")
    placeholders = {vocabulary: [taxonomy.ids(vocabulary)[0]] for vocabulary in REQUIRED_TO_CONFIRM}
    data = {**facts, "venue": venue or taxonomy.ids("venue")[0]}
    for _ in range(len(_OPTIONAL_FACTS) + 1):
        try:
            return Paper.model_validate({"id": paper_id, **data, **placeholders}, context={"taxonomy": taxonomy})
        except ValidationError as error:
            fatal: list[str] = []
            for problem in error.errors():
                name = str(problem["loc"][0]) if problem["loc"] else ""
                message = str(problem["msg"]).removeprefix("Value error, ")
                if name in _OPTIONAL_FACTS and name in data:
                    notes.append(f"{name}: left out, the source's value is not usable ({message})")
                    data.pop(name)
                else:
                    fatal.append(f"{name}: {message}" if name else message)
            if fatal:
                raise InvalidMetadata("; ".join(dict.fromkeys(fatal))) from None
    raise InvalidMetadata("the source's record does not make a valid entry")  # pragma: no cover


def _proposal_block(
    proposals: dict[str, list[str]], venue_names: tuple[str, ...], venue: str | None, taxonomy: Taxonomy
) -> list[str]:
    lines = [
        "# TO CONFIRM. `medssl add` proposed the values below from the title and abstract; they are",
        "# guesses, not facts. Check each against the paper, correct it, then delete the leading '# '.",
        "# `medssl validate` fails until modality, task and method are set.",
    ]
    if venue is None:
        shown = venue_names[0] if venue_names else "unknown"
        lines.append(f"# venue: ...  # the source says {shown!r}; use an id from catalog/taxonomy.yaml")
    for vocabulary in REQUIRED_TO_CONFIRM:
        proposed = proposals[vocabulary]
        if proposed:
            hint = "  # proposed; main task first" if vocabulary == "task" else "  # proposed"
            lines.append(f"# {vocabulary}: [{', '.join(proposed)}]{hint}")
        else:
            lines.append(f"# {vocabulary}: []  # required; one or more of: {', '.join(taxonomy.ids(vocabulary))}")
    if proposals.get("dimension"):
        lines.append(f"# dimension: [{', '.join(proposals['dimension'])}]  # proposed (optional)")
    return lines


def _replace_top_level_keys(text: str, keys: set[str], block: list[str]) -> str:
    """Drop the top-level `keys` (with their continuation lines) and put `block` where the first one was."""
    out: list[str] = []
    inserted = False
    skipping = False
    for line in text.splitlines():
        key = re.match(r"^([a-z_]+):", line)
        if key:
            skipping = key.group(1) in keys
            if skipping and not inserted:
                out += block
                inserted = True
        elif skipping and (line.startswith((" ", "-")) or not line):
            continue
        if not skipping:
            out.append(line)
    if not inserted:
        out += block
    return "\n".join(out) + "\n"


def create_entry_file(papers_dir: Path, paper_id: str, text: str) -> Path:
    """Create papers_dir/<id>.yaml, or <id>-2, -3 ... if taken; race-safe through create_exclusive."""
    for number in range(1, MAX_SUFFIX + 1):
        candidate = paper_id if number == 1 else f"{paper_id}-{number}"
        path = papers_dir / f"{candidate}.yaml"
        try:
            create_exclusive(path, text)
        except FileExistsError:
            continue
        return path
    raise ProblemsFound(f"{papers_dir}/{paper_id}.yaml and {MAX_SUFFIX - 1} numbered variants are all taken")


def free_id(taken: set[str], paper_id: str) -> str:
    """The id `create_entry_file` would pick given the ids in `taken` (for dry runs)."""
    for number in range(1, MAX_SUFFIX + 1):
        candidate = paper_id if number == 1 else f"{paper_id}-{number}"
        if candidate not in taken:
            return candidate
    raise ProblemsFound(f"{paper_id} and {MAX_SUFFIX - 1} numbered variants are all taken")
