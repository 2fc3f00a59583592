"""What a metadata source tells us about a paper, before it becomes a catalog entry.

Every source (arXiv, Crossref, Semantic Scholar, a BibTeX entry) fills the same record; the
entry builder decides what becomes a fact in the file and what is only a proposal.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field, replace

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
# Name particles that belong to the family name ("van der Laak" -> family "van der Laak").
_PARTICLES = {
    *("van", "von", "der", "den", "de", "del", "della", "da", "di", "du"),
    *("dos", "das", "le", "la", "ter", "ten"),
}
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}


@dataclass(frozen=True)
class PaperMetadata:
    """Facts about one paper as a source states them; None where the source is silent."""

    title: str
    authors: tuple[str, ...] = ()
    first_author_family: str | None = None  # when the source splits names; else derived from authors[0]
    year: int | None = None
    month: int | None = None
    venue_names: tuple[str, ...] = ()  # as the source names the venue, best first; normalised later
    doi: str | None = None
    arxiv: str | None = None
    abstract: str | None = None
    paper_url: str | None = None  # a landing page that is not simply the DOI or arXiv page
    sources: tuple[str, ...] = field(default=())  # the URLs the facts came from

    def filled_from(self, other: PaperMetadata) -> PaperMetadata:
        """This record with its gaps filled from `other` (which counts as a source only if it gave something)."""
        changes: dict[str, object] = {}
        for name in ("first_author_family", "year", "month", "doi", "arxiv", "abstract", "paper_url"):
            if getattr(self, name) is None and getattr(other, name) is not None:
                changes[name] = getattr(other, name)
        if not self.authors and other.authors:
            changes["authors"] = other.authors
            changes["first_author_family"] = other.first_author_family
        if not self.venue_names and other.venue_names:
            changes["venue_names"] = other.venue_names
        if changes:
            changes["sources"] = tuple(dict.fromkeys((*self.sources, *other.sources)))
        return replace(self, **changes)  # type: ignore[arg-type]


def clean_text(text: str) -> str:
    """Markup-free single-line text: tags (JATS, HTML) dropped, entities decoded, white space collapsed."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", text))).strip()


def ascii_fold(text: str) -> str:
    """Lower-case ASCII letters and digits only: 'Müller-Łukasz' -> 'mullerlukasz'."""
    text = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L").replace("ß", "ss"))
    return re.sub(r"[^a-z0-9]", "", "".join(c for c in text if not unicodedata.combining(c)).lower())


def family_name(full_name: str) -> str:
    """The family name of 'First Middle von Last Jr.' written in that order."""
    words = full_name.replace(",", " ").split()
    while len(words) > 1 and words[-1].lower() in _SUFFIXES:
        words.pop()
    if not words:
        return ""
    family = [words.pop()]
    while words and words[-1].lower() in _PARTICLES:
        family.insert(0, words.pop())
    return " ".join(family)
