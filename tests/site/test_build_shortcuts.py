"""The build's shortcuts at scale give the same site as the long way round: the nav drawn once per folder
for pages outside it, paper pages rendered by forked processes, generated pages past Python-Markdown."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.structure import pages as mkdocs_pages

from site_builder import mkdocs_hooks
from site_builder.mkdocs_hooks import _render_generated_page
from site_builder.render import paper_page
from site_builder.render.paper_page import render_paper_pages
from tests.conftest import REPO
from tests.site.conftest import SITE_URL

REPOSITORY = "https://github.com/example/catalog"


def build_in_process(root: Path, output: Path, monkeypatch: pytest.MonkeyPatch, shared_nav: bool) -> None:
    """The project's mkdocs build of root's catalog into output, in this process, with or without the nav cache."""
    monkeypatch.setenv("MEDSSL_ROOT", str(root))
    monkeypatch.setenv("MEDSSL_SITE_URL", SITE_URL)
    config = load_config(str(REPO / "mkdocs.yml"), site_dir=str(output))
    (hooks,) = config["hooks"].values()  # the hook module this config loaded
    if not shared_nav:
        monkeypatch.setattr(hooks, "SHARED_PARTIALS", ())
        monkeypatch.setattr(hooks, "SHARED_BLOCKS", ())
    build(config)


def html_files(site: Path) -> dict[str, str]:
    # sitemap.xml carries the build's date; everything else must not depend on how the site was built.
    return {
        path.relative_to(site).as_posix(): path.read_text(encoding="utf-8") for path in sorted(site.rglob("*.html"))
    }


def test__the_nav_drawn_once_per_folder_is_the_nav_the_theme_draws_on_each_page(fixture_root, tmp_path, monkeypatch):
    build_in_process(fixture_root, tmp_path / "shared", monkeypatch, shared_nav=True)
    build_in_process(fixture_root, tmp_path / "each", monkeypatch, shared_nav=False)
    shared, each = html_files(tmp_path / "shared"), html_files(tmp_path / "each")
    assert shared.keys() == each.keys()
    # Pages outside the nav in several folders (papers/, modality/, datasets/, ...) and pages in it.
    folders = {path.split("/")[0] for path in shared}
    assert {"papers", "modality", "method", "datasets", "browse"} <= folders
    different = [path for path in shared if shared[path] != each[path]]
    assert different == []


def test__forked_processes_render_the_same_paper_pages(fixture_catalog, monkeypatch):
    one_process = render_paper_pages(fixture_catalog, {}, REPOSITORY)
    forks = []
    real_get_context = paper_page.multiprocessing.get_context

    def counting_get_context(method: str):
        forks.append(method)
        return real_get_context(method)

    monkeypatch.setattr(paper_page, "PARALLEL_MIN_PAPERS", 1)
    monkeypatch.setattr(paper_page.multiprocessing, "get_context", counting_get_context)
    forked = render_paper_pages(fixture_catalog, {}, REPOSITORY, workers=2)
    assert forks == ["fork"]
    assert list(forked) == list(one_process)  # same pages, in catalog order
    assert forked == one_process


def test__a_small_catalog_renders_its_paper_pages_in_this_process(fixture_catalog, monkeypatch):
    def no_fork(method: str):
        raise AssertionError("forked for a catalog below PARALLEL_MIN_PAPERS")

    monkeypatch.setattr(paper_page.multiprocessing, "get_context", no_fork)
    assert len(fixture_catalog.papers) < paper_page.PARALLEL_MIN_PAPERS
    assert render_paper_pages(fixture_catalog, {}, REPOSITORY, workers=8)


def test__a_generated_page_gets_its_content_toc_and_anchors_without_markdown(fixture_catalog, monkeypatch):
    def no_markdown(*args: object, **kwargs: object):
        raise AssertionError("a generated page went through Python-Markdown")

    monkeypatch.setattr(mkdocs_pages.markdown, "Markdown", no_markdown)
    body = render_paper_pages(fixture_catalog, {}, REPOSITORY)["papers/li2023-echo-distillation.md"]
    page = SimpleNamespace()
    _render_generated_page(page, body, None, None)  # what Page.render becomes for a generated page
    assert page.content == body
    sections = [entry.id for entry in page.toc]
    assert sections == ["links", "cite"]  # this paper has no summary or results: just these sections
    # Links from hand-written pages to a generated page's sections are checked against these.
    assert {"links", "cite"} <= page.present_anchor_ids


def test__paper_pages_fork_only_where_the_platform_tells_the_usable_cpus(monkeypatch):
    monkeypatch.setattr(mkdocs_hooks.os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    assert mkdocs_hooks.build_workers() == 3
    monkeypatch.delattr(mkdocs_hooks.os, "sched_getaffinity")  # macOS and Windows: no safe fork
    assert mkdocs_hooks.build_workers() == 1
