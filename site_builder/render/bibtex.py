"""BibTeX for the catalog: one entry per paper, keyed by its id, sorted by id."""

from __future__ import annotations

import re

from schema import Catalog, Paper, Taxonomy

# LaTeX's special characters, escaped so that any title survives BibTeX and LaTeX as text.
_LATEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "$": r"\$",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    # Not special to TeX, but a .bib importer may take <...> for markup left in a publisher's
    # metadata; a group around each says "the character typed" and every LaTeX decoder reads it.
    "<": "{<}",
    ">": "{>}",
}
_TRANSLATION = str.maketrans(_LATEX_ESCAPES)
# Character pairs that TeX's fonts turn into other glyphs (-- is an en dash, `` an opening quote);
# an empty group between them keeps the characters as typed.
_LIGATURES = re.compile(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')")
_ENTRY_TYPE = {"journal": "article", "conference": "inproceedings", "workshop": "inproceedings"}
_MONTH_MACROS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def latex_escape(text: str) -> str:
    return _LIGATURES.sub("{}", text.translate(_TRANSLATION))


def bibtex_fields(paper: Paper, taxonomy: Taxonomy) -> tuple[str, list[tuple[str, str]]]:
    """The entry type and (field, raw value) pairs of a paper, before escaping."""
    venue = taxonomy.term("venue", paper.venue)
    entry_type = _ENTRY_TYPE.get(venue.type or "", "misc")
    fields = [("title", paper.title)]
    if paper.authors:
        fields.append(("author", " and ".join(paper.authors)))
    if entry_type == "article":
        fields.append(("journal", venue.label))
    elif entry_type == "inproceedings":
        fields.append(("booktitle", venue.label))
    elif venue.id != "arXiv":
        fields.append(("howpublished", venue.label))
    fields.append(("year", str(paper.year)))
    if paper.month:
        fields.append(("month", _MONTH_MACROS[paper.month - 1]))
    if paper.doi:
        fields.append(("doi", paper.doi))
    if paper.arxiv:
        fields += [("eprint", paper.arxiv), ("archiveprefix", "arXiv")]
    fields.append(("url", paper.url))
    return entry_type, fields


def render_bibtex_entry(paper: Paper, taxonomy: Taxonomy) -> str:
    entry_type, fields = bibtex_fields(paper, taxonomy)
    width = max(len(name) for name, _ in fields)
    body = ",\n".join(f"  {name.ljust(width)} = {_field_value(name, value)}" for name, value in fields)
    return f"@{entry_type}{{{paper.id},\n{body}\n}}\n"


def _field_value(name: str, value: str) -> str:
    if name == "month":
        return value  # BibTeX's month macros (jan ... dec) let styles print the month in their own way
    # DOIs and URLs are verbatim in BibTeX styles; escaping would corrupt them.
    return f"{{{value if name in ('doi', 'url') else latex_escape(value)}}}"


def render_bibtex(catalog: Catalog) -> str:
    """The whole catalog as one .bib file."""
    return "\n".join(render_bibtex_entry(paper, catalog.taxonomy) for paper in catalog.papers)
