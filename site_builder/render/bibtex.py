"""BibTeX for the catalog: one entry per paper, keyed by its id, sorted by id."""

from __future__ import annotations

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
}
_TRANSLATION = str.maketrans(_LATEX_ESCAPES)
_ENTRY_TYPE = {"journal": "article", "conference": "inproceedings", "workshop": "inproceedings"}


def latex_escape(text: str) -> str:
    return text.translate(_TRANSLATION)


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
    if paper.doi:
        fields.append(("doi", paper.doi))
    if paper.arxiv:
        fields += [("eprint", paper.arxiv), ("archiveprefix", "arXiv")]
    fields.append(("url", paper.url))
    return entry_type, fields


def render_bibtex_entry(paper: Paper, taxonomy: Taxonomy) -> str:
    entry_type, fields = bibtex_fields(paper, taxonomy)
    width = max(len(name) for name, _ in fields)
    body = ",\n".join(
        # DOIs and URLs are verbatim in BibTeX styles; escaping would corrupt them.
        f"  {name.ljust(width)} = {{{value if name in ('doi', 'url') else latex_escape(value)}}}"
        for name, value in fields
    )
    return f"@{entry_type}{{{paper.id},\n{body}\n}}\n"


def render_bibtex(catalog: Catalog) -> str:
    """The whole catalog as one .bib file."""
    return "\n".join(render_bibtex_entry(paper, catalog.taxonomy) for paper in catalog.papers)
