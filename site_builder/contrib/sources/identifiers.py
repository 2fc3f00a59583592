"""Recognise what a contributor typed: an arXiv id or URL, a DOI or DOI URL."""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import unquote

from schema.fields import ARXIV_PATTERN, DOI_PATTERN
from site_builder.catalog.problems import UsageError

Kind = Literal["arxiv", "doi"]

_ARXIV_ID = r"(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?"
_ARXIV_URL = re.compile(rf"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/{_ARXIV_ID}(?:\.pdf)?/?$")
_ARXIV_IN_TEXT = re.compile(rf"(?:arxiv\.org/(?:abs|pdf)/|arxiv:\s*){_ARXIV_ID}", re.IGNORECASE)
_DOI_URL = re.compile(r"^https?://(?:dx\.)?doi\.org/(10\..+)$", re.IGNORECASE)
EXAMPLES = "arxiv:1908.06912, https://arxiv.org/abs/1908.06912, doi:10.1016/j.media.2020.101840, https://doi.org/10.1016/j.media.2020.101840"


def strip_version(arxiv_id: str) -> str:
    return re.sub(r"v\d+$", "", arxiv_id)


def parse_reference(text: str) -> tuple[Kind, str]:
    """('arxiv', id without version) or ('doi', doi); UsageError naming the accepted forms otherwise."""
    value = text.strip()
    lowered = value.lower()
    candidate: tuple[Kind, str] | None = None
    if lowered.startswith("arxiv:"):
        candidate = ("arxiv", value[6:].strip())
    elif lowered.startswith("doi:"):
        candidate = ("doi", value[4:].strip())
    elif match := _ARXIV_URL.match(value):
        candidate = ("arxiv", match.group(1))
    elif match := _DOI_URL.match(value):
        candidate = ("doi", unquote(match.group(1)))
    elif re.fullmatch(ARXIV_PATTERN, value):
        candidate = ("arxiv", value)
    elif value.startswith("10."):
        candidate = ("doi", value)
    if candidate is not None:
        kind, identifier = candidate
        if kind == "arxiv" and re.fullmatch(ARXIV_PATTERN, identifier):
            return "arxiv", strip_version(identifier)
        if kind == "doi" and re.fullmatch(DOI_PATTERN, identifier):
            return "doi", identifier
        raise UsageError(f"{text!r} is not a valid {'arXiv id' if kind == 'arxiv' else 'DOI'}; examples: {EXAMPLES}")
    raise UsageError(f"cannot tell what {text!r} is; give an arXiv id or a DOI, for example: {EXAMPLES}")


def find_arxiv_id(text: str) -> str | None:
    """An arXiv id inside free text such as 'arXiv preprint arXiv:1908.06912' or an arxiv.org URL."""
    match = _ARXIV_IN_TEXT.search(text)
    return strip_version(match.group(1)) if match else None


def clean_doi(text: str) -> str:
    """A DOI as BibTeX files and APIs write it, without resolver, 'doi:' prefix or LaTeX escapes."""
    value = text.strip().replace("\\_", "_").replace("\\%", "%")
    value = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", value, flags=re.IGNORECASE)
    return unquote(value) if "%2F" in value.upper() else value
