"""`mkdocs build --strict` of the website, on the fixture catalog and on the real one; checks of the built files."""

from __future__ import annotations

import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.site.conftest import build_site, write_fixture_catalog

# Attributes that make a browser fetch something when the page loads.
LOADING = {("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"), ("source", "src"), ("video", "src")}


class Links(HTMLParser):
    """Every href/src of a page, and which of them load at view time."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.loaded: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)
                if (tag, name) in LOADING and not (tag == "link" and ("rel", "canonical") in attrs):
                    self.loaded.append(value)


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def parse(page: Path) -> Links:
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def test__the_fixture_site_builds_strictly_with_a_page_per_paper(fixture_site):
    assert "WARNING" not in fixture_site.build_output
    for paper in fixture_site.catalog.papers:
        assert (fixture_site.directory / "papers" / paper.id / "index.html").is_file()
    downloads = ("catalog.bib", "papers.json", "papers.csv", "results.json", "results.csv", "feed.xml")
    for name in (*downloads, "assets/medssl/search-index.json"):
        assert (fixture_site.directory / name).is_file(), name
    listings = ("browse", "stats", "resources", "modality/ct", "task", "year/2019", "method/contrastive", "benchmarks")
    for listing in listings:
        assert (fixture_site.directory / listing / "index.html").is_file(), listing
    for dataset in fixture_site.catalog.datasets.datasets:
        assert (fixture_site.directory / "datasets" / dataset.id / "index.html").is_file(), dataset.id
    assert (fixture_site.directory / "datasets" / "index.html").is_file()


def test__every_internal_link_leads_to_a_file(fixture_site):
    site = fixture_site.directory
    broken = []
    # 404.html is served at any depth, so mkdocs gives it absolute links from site_url: skip it here.
    for page in (page for page in pages(site) if page.name != "404.html"):
        here = page.parent.relative_to(site).as_posix()
        for link in parse(page).links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith(("#", "//")):
                continue
            assert not link.startswith("/"), f"{page}: {link} breaks when the site is not at the server root"
            target = posixpath.normpath(posixpath.join(here, unquote(parts.path))) if parts.path else here
            path = site / target
            if not (path.is_file() or (path / "index.html").is_file()):
                broken.append(f"{page.relative_to(site)} -> {link}")
    assert broken == []


def test__pages_load_nothing_from_other_sites(fixture_site):
    outside = []
    for page in pages(fixture_site.directory):
        outside += [f"{page.name}: {url}" for url in parse(page).loaded if urlsplit(url).scheme or url.startswith("//")]
    assert outside == []
    for stylesheet in fixture_site.directory.rglob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", stylesheet.read_text(encoding="utf-8")), stylesheet


def test__a_hostile_title_is_text_in_the_built_page(fixture_site):
    html = (fixture_site.directory / "papers" / "evil2024-hostile-entry" / "index.html").read_text(encoding="utf-8")
    assert "<script>window.__pwned" not in html and "<img src=x" not in html and "<b>bold</b>" not in html
    assert "&lt;/title&gt;" in re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert 'href="javascript:' not in html


def test__the_home_page_shows_counts_and_latest_additions(fixture_site):
    html = (fixture_site.directory / "index.html").read_text(encoding="utf-8")
    assert "medssl:" not in html
    current = [paper for paper in fixture_site.catalog.papers if paper.retracted is None]  # retracted: not counted
    assert f"<strong>{len(current)}</strong><span>papers</span>" in html
    assert '<a href="papers/li2023-echo-distillation/">Self-Distillation for Echocardiography' in html
    assert '<link rel="alternate" type="application/atom+xml" title="New papers" href="feed.xml">' in html


def test__a_catalog_problem_stops_the_build_and_names_file_line_and_field(tmp_path, write_paper, catalog_dir):
    write_paper(
        "bad2020-typo",
        "title: Bad\nyear: 2020\nvenue: MICAI\nmodality: [CT]\ntask: [segmentation]\n"
        "method: [contrastive]\narxiv: '2001.00001'\n",
    )
    completed = build_site(catalog_dir.parent, tmp_path / "site")
    assert completed.returncode != 0
    assert "bad2020-typo.yaml:3: venue: 'MICAI' is not a venue (did you mean 'MICCAI'?)" in completed.stderr
    assert not (tmp_path / "site" / "index.html").exists()


def test__the_real_catalog_builds_strictly(real_site):
    assert "WARNING" not in real_site.build_output
    built = {path.parent.name for path in (real_site.directory / "papers").glob("*/index.html")}
    assert built == {paper.id for paper in real_site.catalog.papers}


def test__the_link_check_and_the_benchmarks_reach_their_pages(fixture_site):
    site = fixture_site.directory
    azizi = (site / "papers" / "azizi2021-chest-xray" / "index.html").read_text(encoding="utf-8")
    assert 'data-link-status="dead">dead (404) · checked 2026-11-20</span>' in azizi
    help_wanted = (site / "help-wanted" / "index.html").read_text(encoding="utf-8")
    assert "dead link: code (checked 2026-11-20)" in help_wanted
    performance = (site / "performance" / "index.html").read_text(encoding="utf-8")
    assert 'id="bench-catalog_scale" data-measured="yes"' in performance  # the fixture root's bench/results
    assert 'id="bench-site_scale" data-measured="no"' in performance
    # Both pages are in the nav, under Contribute and About.
    home = parse(site / "index.html").links
    assert "help-wanted/" in home and "performance/" in home


@pytest.mark.parametrize(
    ("path", "text", "message"),
    [
        ("bench/results/site_scale.json", "{not json", "bench/results/site_scale.json: not JSON"),
        (
            "bench/results/catalog_scale.json",
            '{"rows": []}',
            "bench/results/catalog_scale.json: rows: expected a non-empty list, found []",
        ),
        ("catalog/link-status.json", '{"links": {"https://x.org": {}}}', "link-status.json: not a link-status record"),
    ],
)
def test__a_broken_results_or_link_record_file_stops_the_build_and_is_named(tmp_path, path, text, message):
    write_fixture_catalog(tmp_path)
    (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / path).write_text(text, encoding="utf-8")
    completed = build_site(tmp_path, tmp_path / "site")
    assert completed.returncode != 0
    assert message in completed.stderr
    assert not (tmp_path / "site" / "index.html").exists()


def test__datasets_and_benchmarks_are_in_the_nav_and_boards_in_the_page_toc(fixture_site):
    home = parse(fixture_site.directory / "index.html").links
    assert "datasets/" in home and "benchmarks/" in home
    html = (fixture_site.directory / "datasets" / "btcv" / "index.html").read_text(encoding="utf-8")
    toc = html[html.index('data-md-component="toc"') :]
    # Each board is a toc entry nested under Leaderboards, so a reader jumps straight to it.
    leaderboards = toc.index('href="#leaderboards"')
    efficiency = toc.index('href="#label-efficiency"')
    for anchor in ("lb-segmentation-dice-fine-tune-10pct", "lb-segmentation-hd95-fine-tune-100pct"):
        assert leaderboards < toc.index(f'href="#{anchor}"') < efficiency, anchor
    stats = (fixture_site.directory / "stats" / "index.html").read_text(encoding="utf-8")
    assert '<a href="../benchmarks/">Benchmarks</a>' in stats
    assert '<a href="../datasets/btcv/#lb-segmentation-dice-fine-tune-100pct">' in stats
