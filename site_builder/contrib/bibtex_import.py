"""BibTeX files -> catalog entries: `medssl import bib` for many, `medssl add --bibtex` for one.

Parsing is bibtexparser's (v2): it splits blocks, resolves @string macros and splits names.
Here LaTeX is decoded field by field (text fields only: DOIs and URLs are verbatim), string
concatenation with `#` is resolved, and every entry ends up created, skipped as a duplicate,
or rejected with a reason and its line: none is lost without a word.
"""

from __future__ import annotations

import contextlib
import datetime
import html
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import bibtexparser
from bibtexparser import middlewares
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    MiddlewareErrorBlock,
    ParsingFailedBlock,
)
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from schema.fields import is_arxiv_id
from site_builder.catalog.load import PAPERS_DIR
from site_builder.catalog.paths import catalog_dir
from site_builder.catalog.problems import ProblemsFound, UsageError
from site_builder.contrib.catalog_index import CatalogIndex, exclusion_message, load_taxonomy_or_fail
from site_builder.contrib.new_entry import InvalidMetadata, build_draft, create_entry_file, free_id
from site_builder.contrib.sources.identifiers import clean_doi, find_arxiv_id, strip_version
from site_builder.contrib.sources.metadata import PaperMetadata, clean_text

_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_VENUE_FIELDS = ("journal", "journaltitle", "booktitle", "howpublished", "school", "institution", "organization")
_TEXT_FIELDS = frozenset({"title", *_VENUE_FIELDS, "publisher", "series", "note"})
_URL = re.compile(r"https?://[^\s{}\\]+")
_DOI_URL = re.compile(r"^https?://(dx\.)?doi\.org/10\.", re.IGNORECASE)


def _latex_decoder() -> LatexNodes2Text:
    context = get_default_latex_context_db()  # a fresh copy: extending it changes nothing global
    context.add_context_category(
        "medssl",
        macros=[MacroTextSpec("textasciicircum", simplify_repl="^"), MacroTextSpec("url", simplify_repl="%s")],
        prepend=True,
    )
    return LatexNodes2Text(latex_context=context, math_mode="verbatim")


_DECODER = _latex_decoder()


# A .bib is LaTeX, but publishers' BibTeX also carries HTML residue (<i>...</i>, &amp;). Residue is
# cleaned; what the .bib escaped on purpose (\&, {<}, {>}, \textless, \textgreater) is held in
# private-use code points meanwhile, so that an escaped "&amp;" or "<i>" stays the text it was.
_HELD = {"&": "\ue000", "<": "\ue001", ">": "\ue002"}
_ESCAPED_LITERALS = (
    (re.compile(r"(?<!\\)\\&"), _HELD["&"]),
    (re.compile(r"(?<!\\)\{<\}|\\textless(?:\{\}|(?![A-Za-z]))"), _HELD["<"]),
    (re.compile(r"(?<!\\)\{>\}|\\textgreater(?:\{\}|(?![A-Za-z]))"), _HELD[">"]),
)
# A bare & is LaTeX's column separator, so a bare "&amp;" can only be an HTML entity.
_HTML_ENTITY = re.compile(r"(?<!\\)&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
# What an entity decodes to, written so that LaTeX decoding gives it back unchanged.
_AS_LATEX = str.maketrans(
    {
        **_HELD,
        "\\": r"\textbackslash{}",
        "%": r"\%",
        "$": r"\$",
        "#": r"\#",
        "_": r"\_",
        "{": r"\{",
        "}": r"\}",
        "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}",
    }
)


def decode_latex(value: str) -> str:
    """LaTeX text -> Unicode on one line: {\\"u} -> ü, \\& -> &, braces dropped, math kept verbatim."""
    # A bare % is a comment to LaTeX but plain text in a .bib field: escape it so nothing is cut off.
    escaped = re.sub(r"(?<!\\)%", r"\\%", value)
    for pattern, placeholder in _ESCAPED_LITERALS:
        escaped = pattern.sub(placeholder, escaped)
    escaped = _HTML_ENTITY.sub(lambda entity: html.unescape(entity.group()).translate(_AS_LATEX), escaped)
    text = clean_text(_DECODER.latex_to_text(escaped))
    for character, placeholder in _HELD.items():
        text = text.replace(placeholder, character)
    return text


@dataclass(frozen=True)
class BibEntry:
    key: str
    line: int  # 1-based line of the entry's @
    metadata: PaperMetadata


@dataclass(frozen=True)
class BibRejection:
    key: str | None
    line: int
    reason: str


class _Rejected(Exception):
    pass


@contextlib.contextmanager
def _quiet_parser() -> Iterator[None]:
    # bibtexparser logs each broken block; we report them ourselves with their line.
    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def read_bibtex(text: str) -> tuple[list[BibEntry], list[BibRejection]]:
    """Every entry of a .bib text, as usable metadata or as a rejection with its reason."""
    with _quiet_parser():
        library = bibtexparser.parse_string(
            text, append_middleware=[middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()]
        )
    strings = {string.key.casefold(): str(string.value) for string in library.strings}
    entries: list[BibEntry] = []
    rejections: list[BibRejection] = []
    first_line = {entry.key: entry.start_line + 1 for entry in library.entries}
    for block in library.failed_blocks:
        line = block.start_line + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            first = first_line.get(block.key)
            where = f" (first used on line {first})" if first else ""
            rejections.append(BibRejection(block.key, line, f"duplicate key {block.key!r}{where}; rename one"))
        elif isinstance(block, DuplicateFieldKeyBlock):
            key = getattr(block.ignore_error_block, "key", None)
            rejections.append(BibRejection(key, line, f"{str(block.error).split('. Note')[0]}; keep one of each"))
        elif isinstance(block, MiddlewareErrorBlock):  # before its base class, ParsingFailedBlock
            key = getattr(block.ignore_error_block, "key", None)
            rejections.append(BibRejection(key, line, f"cannot read its fields ({block.error})"))
        elif isinstance(block, ParsingFailedBlock):
            rejections.append(BibRejection(None, line, "cannot parse this block (unbalanced braces or quotes?)"))
        else:
            rejections.append(BibRejection(None, line, f"cannot use this block ({type(block).__name__})"))
    for entry in library.entries:
        try:
            entries.append(BibEntry(entry.key, entry.start_line + 1, entry_metadata(entry, strings)))
        except _Rejected as reason:
            rejections.append(BibRejection(entry.key, entry.start_line + 1, str(reason)))
    return entries, sorted(rejections, key=lambda rejection: rejection.line)


class _Fields:
    """An entry's fields by lower-case name, as text: macros concatenated, LaTeX decoded in text fields."""

    def __init__(self, entry: Entry, strings: dict[str, str]) -> None:
        self._fields = {field.key.casefold(): field for field in entry.fields}
        self._strings = strings

    def __call__(self, name: str) -> str:
        field = self._fields.get(name)
        if field is None or not isinstance(field.value, str):
            return ""
        raw = field.value
        if getattr(field, "enclosing", None) == "no-enclosing" and "#" in raw:
            raw = _concatenate(raw, self._strings)
        return decode_latex(raw) if name in _TEXT_FIELDS else raw.strip()

    def names(self, name: str) -> object:
        field = self._fields.get(name)
        return None if field is None else field.value


def entry_metadata(entry: Entry, strings: dict[str, str]) -> PaperMetadata:
    fields = _Fields(entry, strings)
    title = fields("title")
    if not title:
        raise _Rejected("no title")
    year_text = fields("year") or fields("date")
    year_match = re.search(r"\b(1[89]\d\d|2\d\d\d)\b", year_text)
    if not year_match:
        raise _Rejected(f"no usable year ({year_text!r})" if year_text else "no year")
    authors, family = _authors(fields.names("author"))
    arxiv = _arxiv_id(fields)
    url = _first_url(fields("url")) or _first_url(fields("howpublished"))
    doi = clean_doi(fields("doi")) or (clean_doi(url) if url and _DOI_URL.match(url) else None)
    # A URL that only restates the DOI (or, without one, the arXiv id) is not kept: Paper.url derives it.
    derived = url == (f"https://doi.org/{doi}" if doi else f"https://arxiv.org/abs/{arxiv}")
    venues = [fields(name) for name in _VENUE_FIELDS if fields(name) and not _URL.fullmatch(fields(name))]
    if not venues and fields("publisher"):
        venues.append(fields("publisher"))  # arXiv's own export: @misc{..., publisher = {arXiv}}
    if not venues and arxiv:
        venues.append("arXiv")
    return PaperMetadata(
        title=title,
        authors=authors,
        first_author_family=family,
        year=int(year_match.group(1)),
        month=_month(fields("month") or year_text[5:7]),
        venue_names=tuple(venues),
        doi=doi or None,
        arxiv=arxiv,
        abstract=decode_latex(fields("abstract")) or None,
        paper_url=None if derived else url,
    )


def _concatenate(raw: str, strings: dict[str, str]) -> str:
    """Resolve `name # " 2019"`: macros from @string, quoted or braced literals, bare numbers."""
    parts = []
    for piece in re.split(r"\s#\s|\s#|#\s", raw):
        piece = piece.strip()
        if len(piece) >= 2 and piece[0] + piece[-1] in ('""', "{}"):
            parts.append(piece[1:-1])
        elif piece.casefold() in strings:
            parts.append(strings[piece.casefold()])
        elif piece.isdigit() or piece.casefold() in _MONTHS:
            parts.append(piece)
        else:
            raise _Rejected(f"undefined @string macro {piece!r}")
    return "".join(parts)


def _authors(value: object) -> tuple[tuple[str, ...], str | None]:
    if value is None:
        return (), None
    names: list[str] = []
    family: str | None = None
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, middlewares.NameParts):
            first, von, last, junior = (
                [decode_latex(part) for part in parts] for parts in (item.first, item.von, item.last, item.jr)
            )
            name = " ".join(part for part in (*first, *von, *last, *junior) if part)
            if family is None and last:
                family = " ".join(part for part in (*von, *last) if part)
        else:
            name = decode_latex(str(item))
        if name and name.casefold() != "others":  # "and others" is BibTeX for et al.
            names.append(name)
    return tuple(dict.fromkeys(names)), family


def _arxiv_id(fields: _Fields) -> str | None:
    """From eprint + archivePrefix (or biblatex's eprinttype), an arXiv URL or note, or arXiv's own DOI."""
    eprint = strip_version(fields("eprint").removeprefix("arXiv:").strip())
    prefix = (fields("archiveprefix") or fields("eprinttype")).casefold()
    if eprint and prefix in ("arxiv", "") and is_arxiv_id(eprint):
        return eprint
    for name in ("arxivid", "arxiv"):  # Mendeley and some exporters write the id in a field of its own
        if is_arxiv_id(strip_version(fields(name))):
            return strip_version(fields(name))
    for name in ("url", "journal", "note", "howpublished"):
        found = find_arxiv_id(fields(name))
        if found and is_arxiv_id(found):
            return found
    match = re.match(r"10\.48550/arxiv\.(.+)$", fields("doi"), flags=re.IGNORECASE)
    return strip_version(match.group(1)) if match and is_arxiv_id(strip_version(match.group(1))) else None


def _first_url(text: str) -> str | None:
    match = _URL.search(text)
    return match.group(0).rstrip(".,;") if match else None


def _month(text: str) -> int | None:
    cleaned = text.strip().strip("{}\"'").rstrip(".").casefold()
    if cleaned.isdigit() and 1 <= int(cleaned) <= 12:
        return int(cleaned)
    return _MONTHS.index(cleaned[:3]) + 1 if cleaned[:3] in _MONTHS and cleaned.isalpha() else None


def read_bibtex_file(path: Path) -> tuple[list[BibEntry], list[BibRejection]]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")  # older .bib files; every byte decodes, LaTeX escapes still work
    return read_bibtex(text)


def read_single_entry(path: Path) -> PaperMetadata:
    """The one entry of a BibTeX file given to `medssl add --bibtex`."""
    entries, rejections = read_bibtex_file(path)
    if rejections:
        first = rejections[0]
        raise ProblemsFound(f"{path}:{first.line}: {first.key or 'entry'}: {first.reason}")
    if len(entries) != 1:
        found = "no entries" if not entries else f"{len(entries)} entries"
        raise UsageError(f"{path} holds {found}; --bibtex takes exactly one (use `medssl import bib` for more)")
    return entries[0].metadata


Action = Literal["created", "skipped", "rejected"]


@dataclass(frozen=True)
class ImportOutcome:
    """What happened to one entry (or unreadable block) of the file."""

    key: str | None
    line: int
    action: Action
    detail: str
    path: Path | None = None


def import_bibtex(
    root: Path, bib_path: Path, *, dry_run: bool = False, today: datetime.date | None = None
) -> list[ImportOutcome]:
    """Create an entry per new paper in `bib_path`; report every entry's fate in file order."""
    taxonomy = load_taxonomy_or_fail(root)
    papers_dir = catalog_dir(root) / PAPERS_DIR
    index = CatalogIndex.of_catalog(catalog_dir(root), taxonomy)
    entries, rejections = read_bibtex_file(bib_path)
    outcomes = [ImportOutcome(item.key, item.line, "rejected", item.reason) for item in rejections]
    for entry in entries:
        metadata = entry.metadata
        existing = index.find(title=metadata.title, doi=metadata.doi, arxiv=metadata.arxiv)
        if existing:
            outcomes.append(ImportOutcome(entry.key, entry.line, "skipped", f"already in the catalog: {existing}"))
            continue
        excluded = index.find_excluded(title=metadata.title, doi=metadata.doi, arxiv=metadata.arxiv)
        if excluded:
            outcomes.append(ImportOutcome(entry.key, entry.line, "skipped", exclusion_message(excluded)))
            continue
        try:
            draft = build_draft(metadata, taxonomy, today or datetime.date.today())
        except InvalidMetadata as error:
            outcomes.append(ImportOutcome(entry.key, entry.line, "rejected", str(error)))
            continue
        if dry_run:
            path = papers_dir / f"{free_id(index.ids, draft.base_id)}.yaml"
        else:
            path = create_entry_file(papers_dir, draft.base_id, draft.text)
        index.add(path, metadata.title, metadata.doi, metadata.arxiv)  # later duplicates in the file count too
        left = [item.split(":", 1)[0] for item in draft.todo]
        outcomes.append(ImportOutcome(entry.key, entry.line, "created", f"to fill: {', '.join(left)}", path))
    return sorted(outcomes, key=lambda outcome: outcome.line)
