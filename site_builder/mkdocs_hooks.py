"""mkdocs hooks (mkdocs.yml `hooks:`): the website's pages and files, generated from the catalog at build time.

Stages, in mkdocs' order: load the catalog, the last link check and the benchmark results (on_config),
add every generated page and file, the search index among them (on_files), fill the home page's
markers (on_page_markdown), hand the generated pages' HTML to mkdocs as their content
(on_page_markdown); draw the nav once per folder for pages outside it (on_nav, on_env).
`mkdocs serve` also watches the catalog and bench/results, so editing a YAML file reloads the site.
The catalog is read from $MEDSSL_ROOT/catalog when that is set, else from next to mkdocs.yml; the
benchmark results from bench/results/ beside it.
"""

from __future__ import annotations

import functools
import json
import os
import posixpath
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jinja2
from jinja2.runtime import Context
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc
from mkdocs.utils.meta import get_data

from schema import Catalog
from site_builder.catalog import paths
from site_builder.catalog.link_status import LinkRecord, load_link_status
from site_builder.catalog.load import load_catalog
from site_builder.catalog.problems import MedsslError, format_problems
from site_builder.catalog.refresh_status import RefreshRecord, load_refresh_status
from site_builder.references import reference_command, reference_source_paths
from site_builder.render.home import render_home_counts, render_latest_additions
from site_builder.render.html import page_url
from site_builder.render.paper_page import RunnableReference
from site_builder.render.performance import BENCHMARKS, RESULTS_DIR, BenchmarkFormatError
from site_builder.render.search_index import SitePage
from site_builder.render.site import SiteSettings, render_site_files
from site_builder.render.whats_new import VenueChange

log = get_plugin_logger("medssl")
RenderFunction = Callable[[Context], Iterator[str]]  # a compiled Jinja template's root_render_func
# Hand-written pages mark where generated text goes with these comments.
HOME_MARKERS = {
    "<!-- medssl:counts -->": render_home_counts,
    "<!-- medssl:latest -->": render_latest_additions,
}
# Markdown syntax left out of a hand-written page's text in the search index.
CODE_BLOCK = re.compile(r"^ *```.*?^ *```", re.S | re.M)
MARKUP = re.compile(r"<!--.*?-->|<[^>]+>|\{[^}]*\}|\]\([^)]*\)|[#*_`|>\[\]]", re.S)

# The headings that site_macros.j2's heading() and subheading() write; each becomes an entry of the page's
# toc, a subheading nested under the section before it.
HEADING = re.compile(r'<h([23]) id="([^"]+)">(.*?)<a class="headerlink"')
ANCHOR_ID = re.compile(r'\bid="([^"]+)"')

_catalog: Catalog | None = None
_link_status: dict[str, LinkRecord] = {}  # URL -> its last check, from catalog/link-status.json
_refresh_status: dict[str, RefreshRecord] = {}  # paper id -> its last refresh, from catalog/refresh-status.json
_benchmarks: dict[str, object] = {}  # benchmark name -> its parsed bench/results/<name>.json
_generated_pages: set[str] = set()  # src_uri of every generated page
_listed_pages: set[str] = set()  # src_uri of every page in the nav
_shared_chrome: dict[tuple[str, str], str] = {}  # (template, folder) -> its HTML on the folder's unlisted pages

# The theme's templates that come out the same on every page outside the nav (every paper, facet and
# dataset page) of one folder (papers/, method/, ...): the nav and tabs (nothing in them is active), the
# footer (no previous or next page) and the JSON config block (only its base URL varies). Drawn once per
# folder instead of once per page: about a sixth of a profiled build at 10,000 papers.
SHARED_PARTIALS = ("partials/nav.html", "partials/tabs.html", "partials/footer.html")
SHARED_BLOCKS = (("base.html", "config"),)  # (template, block) pairs


def catalog_root(config: MkDocsConfig) -> Path:
    override = os.environ.get("MEDSSL_ROOT")
    return Path(override) if override else Path(config.config_file_path).resolve().parent


def load_benchmark_results(root: Path) -> dict[str, object]:
    """Benchmark name -> the parsed JSON of root/bench/results/<name>.json, for those that exist."""
    results = {}
    for benchmark in BENCHMARKS:
        path = root / RESULTS_DIR / f"{benchmark.name}.json"
        if not path.is_file():
            continue
        try:
            results[benchmark.name] = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            raise PluginError(f"{path}: not JSON ({error}); rerun `make bench` to rewrite it") from None
    return results


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    global _catalog, _link_status, _refresh_status, _benchmarks
    _generated_pages.clear()  # `mkdocs serve` may keep this module between builds
    _listed_pages.clear()
    _shared_chrome.clear()
    started = time.perf_counter()
    root = catalog_root(config)
    catalog_dir = paths.catalog_dir(root)
    result = load_catalog(catalog_dir)
    if result.catalog is None:
        problems = "\n".join(format_problems(result.problems))
        raise PluginError(f"the catalog in {catalog_dir} has problems; fix them (`medssl validate`):\n{problems}")
    _catalog = result.catalog
    try:
        _link_status = load_link_status(root)  # empty until `medssl links` records a check
        _refresh_status = load_refresh_status(root)  # empty until `medssl refresh` records a run
    except MedsslError as error:
        raise PluginError(str(error)) from None
    _benchmarks = load_benchmark_results(root)
    log.info("loaded %d papers from %s in %.2f s", len(_catalog.papers), catalog_dir, time.perf_counter() - started)
    return config


def site_settings(config: MkDocsConfig, files: Files) -> SiteSettings:
    if not config.site_url:
        raise PluginError("mkdocs.yml needs site_url: the Atom feed links to absolute addresses")
    repository = str(config.extra.get("repository", "")).rstrip("/")
    if not repository.startswith("https://"):
        raise PluginError("mkdocs.yml needs extra.repository: the https address of the catalog's repository")
    references = {
        name: RunnableReference(name, f"{repository}/blob/main/{path}", reference_command(name))
        for name, path in reference_source_paths().items()
    }
    venue_changes = [
        VenueChange(
            paper_id,
            record.venue_change.old,
            record.venue_change.new,
            record.venue_change.applied,
            "medssl refresh --apply",
        )
        for paper_id, record in sorted(_refresh_status.items())
        if record.venue_change is not None
    ]
    return SiteSettings(
        site_url=config.site_url,
        repository_url=repository,
        references=references,
        hand_written=hand_written_pages(files),
        link_status=dict(_link_status),
        refresh_status=dict(_refresh_status),
        benchmarks=dict(_benchmarks),
        venue_changes=venue_changes,
        workers=build_workers(),
    )


def build_workers() -> int:
    """Processes for the paper pages: the CPUs this build may use, on Linux. Elsewhere one, since
    forking a process that has started threads is unsafe on macOS and unavailable on Windows."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def hand_written_pages(files: Files) -> list[SitePage]:
    """The pages in docs/, as title and plain text for the search index (code examples left out)."""
    pages = []
    for file in files.documentation_pages():
        body, meta = get_data(file.content_string)
        heading = re.search(r"^# (.+)$", body, re.M)
        title = str(meta.get("title") or (heading.group(1) if heading else file.name))
        text = " ".join(MARKUP.sub(" ", CODE_BLOCK.sub(" ", body)).split())
        pages.append(SitePage(page_url(file.src_uri), title, text))
    return pages


def on_files(files: Files, config: MkDocsConfig) -> Files:
    assert _catalog is not None, "on_config loads the catalog first"
    started = time.perf_counter()
    try:
        generated = render_site_files(_catalog, site_settings(config, files))
    except BenchmarkFormatError as error:
        raise PluginError(str(error)) from None
    for path, text in generated.items():
        clash = files.get_file_from_path(path)
        if clash is not None:
            raise PluginError(f"docs/{path} clashes with a page generated from the catalog; remove it from docs/")
        files.append(File.generated(config, path, content=text))
        if path.endswith(".md"):
            _generated_pages.add(path)
    log.info("generated %d pages and files in %.2f s", len(generated), time.perf_counter() - started)
    return files


def on_nav(nav: Navigation, config: MkDocsConfig, files: Files) -> Navigation:
    _listed_pages.update(page.file.src_uri for page in nav.pages)
    return nav


def on_env(env: jinja2.Environment, config: MkDocsConfig, files: Files) -> jinja2.Environment:
    for name in SHARED_PARTIALS:
        template = env.get_template(name)
        template.root_render_func = _rendered_once_per_folder(name, template.root_render_func)
    for name, block in SHARED_BLOCKS:
        template = env.get_template(name)
        template.blocks[block] = _rendered_once_per_folder(f"{name}#{block}", template.blocks[block])
    return env


def _rendered_once_per_folder(name: str, render: RenderFunction) -> RenderFunction:
    """A template's (or block's) render function, remembering its output on pages outside the nav by
    their folder.

    The folder of the page's address is all that differs between such pages: links are written
    relative to it ('../../method/' from papers/x/, '../' from method/x/).
    """
    if getattr(render, "_medssl_shared", False):  # the theme's environment is made afresh each build
        return render

    def root_render_func(context: Context) -> Iterator[str]:
        page = context.get("page")
        if page is None or page.url is None or page.file.src_uri in _listed_pages:
            yield from render(context)
            return
        key = (name, posixpath.dirname(page.url.rstrip("/")))
        if key not in _shared_chrome:
            _shared_chrome[key] = "".join(render(context))
        yield _shared_chrome[key]

    root_render_func._medssl_shared = True  # type: ignore[attr-defined]
    return root_render_func


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    if page.file.src_uri in _generated_pages:
        # A generated page's body is finished, escaped HTML. Python-Markdown would only copy it through,
        # after parsing it twice with html.parser (half the build time at 10,000 papers), and setting up
        # its extensions for each page costs about 0.3 ms more (3 s at 10,000 papers). So the page skips
        # Markdown altogether.
        page.render = functools.partial(_render_generated_page, page, markdown)  # type: ignore[method-assign]
        return markdown
    if _catalog is not None and page.file.src_uri == "index.md":
        for marker, render in HOME_MARKERS.items():
            markdown = markdown.replace(marker, render(_catalog))
    return markdown


def _render_generated_page(page: Page, body: str, config: MkDocsConfig, files: Files) -> None:
    """Page.render for a generated page: its body is its content, its headings its toc."""
    page.content = body
    page.toc = get_toc(toc_tokens(body))
    page.present_anchor_ids = set(ANCHOR_ID.findall(body))  # what links from other pages may point at


def toc_tokens(body: str) -> list[dict[str, Any]]:
    """The page's sections (h2) with their subsections (h3), as get_toc() takes them."""
    sections: list[dict[str, Any]] = []
    for level, anchor, name in HEADING.findall(body):
        token = {"level": int(level), "id": anchor, "name": name, "children": []}
        if level == "3" and sections:
            sections[-1]["children"].append(token)
        else:
            sections.append(token)
    return sections


def on_serve(server: Any, config: MkDocsConfig, builder: Any) -> Any:
    # A change to any catalog file (or benchmark result) rebuilds the site and reloads the browser.
    root = catalog_root(config)
    server.watch(str(paths.catalog_dir(root)))
    if (root / RESULTS_DIR).is_dir():
        server.watch(str(root / RESULTS_DIR))
    return server
