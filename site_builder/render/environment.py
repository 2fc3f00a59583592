"""The Jinja2 environments and filters shared by the renderers."""

from __future__ import annotations

import re
from functools import cache
from urllib.parse import quote

import jinja2

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~!])")


def markdown_escape(text: str) -> str:
    """Make catalog text inert in Markdown: no links, emphasis, HTML or table cells."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown_url(url: str) -> str:
    """A URL safe inside Markdown's `(...)`: parentheses, spaces and angle brackets encoded."""
    return quote(url, safe=":/?#@!$&'*+,;=%-._~")


@cache
def markdown_environment() -> jinja2.Environment:
    """For Markdown output: no autoescape (it is HTML's), so every field goes through a filter."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("site_builder", "templates"),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["md"] = markdown_escape
    environment.filters["mdurl"] = markdown_url
    return environment
