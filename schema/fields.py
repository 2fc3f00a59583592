"""Reusable field types: URLs, identifiers, vocabulary values and short texts.

Each is an Annotated type so that the checks run where pydantic reports them, with the
field's location, and so that the JSON Schema shows the same patterns.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, ValidationInfo

from schema.taxonomy import Taxonomy, Vocabulary, VocabularyError

# A modern arXiv id (1908.06912, optionally v2) or an old-style one (cs/0112017).
ARXIV_PATTERN = r"^(\d{4}\.\d{4,5}|[a-z\-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$"
# Crossref's recommended check: 10.<registrant>/<suffix>, no spaces.
DOI_PATTERN = r"^10\.\d{4,9}/[^\s]+$"
ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
REF_NAME_PATTERN = r"^[a-z][a-z0-9_]*$"


# Most URLs are plainly fine; only the rest go through urlsplit for a precise message.
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+(:\d{1,5})?([/?#][^\s@]*)?")


def _check_url(value: str) -> str:
    if _PLAIN_URL.fullmatch(value):
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{value!r} is not an http(s) URL")
    if not parts.hostname or "." not in parts.hostname:
        raise ValueError(f"{value!r} has no valid host name")
    if parts.username or parts.password:
        raise ValueError("URLs must not carry credentials (user:password@)")
    if any(character.isspace() for character in value):
        raise ValueError(f"{value!r} contains white space; percent-encode it")
    return value


def _check_single_line(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError("must be a single line")
    if value != value.strip():
        raise ValueError("must not start or end with white space")
    return value


Url = Annotated[
    str,
    StringConstraints(max_length=2000),
    AfterValidator(_check_url),
    Field(json_schema_extra={"format": "uri", "pattern": "^https?://"}),
]
ArxivId = Annotated[str, StringConstraints(pattern=ARXIV_PATTERN)]
Doi = Annotated[str, StringConstraints(pattern=DOI_PATTERN, max_length=300)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=300), AfterValidator(_check_single_line)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
RefName = Annotated[str, StringConstraints(pattern=REF_NAME_PATTERN, max_length=60)]
Tag = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=40)]
# A source is a URL, a file in a public repository ("owner/repo:path") or a seed file.
SOURCE_PATTERN = r"^(https?://\S+|[\w.\-]+/[\w.\-]+:\S+|seed:[\w.\-]+)$"
Source = Annotated[str, StringConstraints(pattern=SOURCE_PATTERN, max_length=2000)]


def _iso_date(value: object) -> object:
    # YAML reads 2026-11-21 as a date already; any other spelling is refused with the form to use.
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"give a date as YYYY-MM-DD (got {value!r})")
    return value


IsoDate = Annotated[datetime.date, BeforeValidator(_iso_date)]


def vocabulary_term(vocabulary: Vocabulary) -> Any:
    """A string that must name a term of `vocabulary`; normalised to its id.

    The taxonomy comes from the validation context (`context={"taxonomy": ...}`); without
    one the value passes through, which is what JSON Schema generation and plain
    round trips of already-validated data need.
    """

    def normalise(value: str, info: ValidationInfo) -> str:
        taxonomy = (info.context or {}).get("taxonomy")
        if not isinstance(taxonomy, Taxonomy):
            return value
        try:
            return taxonomy.normalise(vocabulary, value)
        except VocabularyError as error:
            raise ValueError(str(error)) from None

    return Annotated[
        str,
        StringConstraints(min_length=1, max_length=100),
        AfterValidator(normalise),
        Field(json_schema_extra={"x-vocabulary": vocabulary}),
    ]


def unique_items(values: list[Any]) -> list[Any]:
    """Reject repeated list items (after normalisation) instead of silently dropping them."""
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{value!r} is listed twice")
        seen.add(value)
    return values


def is_arxiv_id(text: str) -> bool:
    return re.fullmatch(ARXIV_PATTERN, text) is not None
