"""The HTML side of the site renderers: an autoescaping Jinja environment and URL helpers.

Catalog text reaches a page only through this environment, so every title, summary and
link is HTML-escaped; links pass `http_url`, which refuses every scheme but http(s).
"""

from __future__ import annotations

import json
from functools import cache
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup, escape

from site_builder.render.environment import template_environment

# Where generated pages live inside docs/ (and so in the site): one folder per kind.
PAPERS_DIR = "papers"
FACET_DIRS = {"modality": "modality", "task": "task", "method": "method", "year": "year"}


def http_url(url: str | None) -> str | None:
    """`url` if it is an http(s) URL, else None: a `javascript:` or `data:` link never becomes a link.

    The schema already refuses such URLs; this is the second lock, for data that skipped it.
    """
    if not url:
        return None
    scheme = urlsplit(url.strip()).scheme.lower()
    return url if scheme in ("http", "https") else None


def source_url(source: str | None) -> str | None:
    """Where a reader opens a `sources` entry: a URL itself, 'owner/repo:path' on GitHub, a seed file nowhere."""
    if not source:
        return None
    if http_url(source):
        return source
    repository, separator, path = source.partition(":")
    if separator and repository.count("/") == 1 and repository != "seed" and path:
        return f"https://github.com/{repository}/blob/HEAD/{path}"
    return None


def source_label(source: str) -> str:
    """A short name for a source in a table cell: 'github.com/…/pathology.csv', 'owner/repo:results.md'."""
    repository, separator, path = source.partition(":")
    if not http_url(source) and separator and repository.count("/") == 1:
        return f"{repository}:{path.rsplit('/', 1)[-1]}"
    parts = urlsplit(source)
    segments = [segment for segment in parts.path.split("/") if segment]
    if len(segments) <= 1:
        return source
    return f"{parts.hostname}/…/{segments[-1]}"


def yaml_html_string(text: str) -> Markup:
    """A YAML front-matter string holding `text` HTML-escaped.

    mkdocs-material prints `page.meta.title` into <title> and the header without escaping,
    so the title must arrive escaped; JSON strings are valid YAML.
    """
    return Markup(json.dumps(str(escape(text)), ensure_ascii=False))


def page_url(source_path: str) -> str:
    """The site URL (relative to the site root) of a docs/ page, with directory URLs: `papers/x.md` -> `papers/x/`."""
    stem = source_path.removesuffix(".md")
    if stem == "index":
        return ""
    return stem.removesuffix("/index") + "/"


def relative_url(from_page: str, to_url: str) -> str:
    """A link from the page at site URL `from_page` (e.g. `papers/x/`) to `to_url` (e.g. `modality/ct/`).

    Both are relative to the site root and every page is a folder, so the link climbs one level
    per folder of `from_page`: relative links keep the site working under any path on any host.
    """
    return "../" * from_page.count("/") + to_url or "./"


def paper_url(paper_id: str) -> str:
    return f"{PAPERS_DIR}/{paper_id}/"


def facet_url(facet: str, value: str | int) -> str:
    return f"{FACET_DIRS[facet]}/{str(value).lower()}/"


@cache
def html_environment() -> jinja2.Environment:
    """Templates whose output is (or embeds) HTML or XML: autoescape on for every one of them."""
    return template_environment(
        autoescape=True,
        filters={
            "http_url": http_url,
            "yaml_html": yaml_html_string,
            "source_url": source_url,
            "source_label": source_label,
        },
    )
