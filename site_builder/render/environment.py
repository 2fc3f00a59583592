"""The Jinja2 environments and filters shared by the renderers."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any
from urllib.parse import quote

import jinja2

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~!])")


def markdown_escape(text: str) -> str:
    """Make catalog text inert in Markdown: no links, emphasis, HTML or table cells."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown_url(url: str) -> str:
    """A URL safe inside Markdown's `(...)`: parentheses, spaces and angle brackets encoded."""
    return quote(url, safe=":/?#@!$&'*+,;=%-._~")


def template_environment(autoescape: bool, filters: dict[str, Callable[..., Any]]) -> jinja2.Environment:
    """The project's templates with strict undefined names and stable white space."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("site_builder", "templates"),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(filters)
    return environment


@cache
def markdown_environment() -> jinja2.Environment:
    """For Markdown output: no autoescape (it is HTML's), so every field goes through a filter."""
    return template_environment(autoescape=False, filters={"md": markdown_escape, "mdurl": markdown_url})
