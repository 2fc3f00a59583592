"""The website in a real browser: search, Browse filters and their counts, shareable addresses, paper pages,
charts, escaping, and that nothing logs an error or reaches past 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import bibtexparser
import pytest
from playwright.sync_api import Page, expect

from schema import Catalog, Paper
from site_builder.render.folding import fold
from site_builder.render.leaderboards import leaderboards
from site_builder.render.licences import allows_commercial_use
from tests.site.conftest import HOSTILE_TITLE, SCREENSHOTS, BuiltSite

FACETS = ("modality", "task", "method", "dimension", "venue")


@dataclass
class Watch:
    """What a page did that it must not: console errors, uncaught exceptions, requests off this machine."""

    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture
def watch(page: Page) -> Iterator[Watch]:
    """Records (and blocks) every request that leaves 127.0.0.1; after the test, asserts the page stayed clean."""
    seen = Watch()

    def route(request_route, request):  # type: ignore[no-untyped-def]
        if urlsplit(request.url).hostname == "127.0.0.1":
            request_route.continue_()
        else:
            seen.outside.append(request.url)
            request_route.abort()

    page.route("**/*", route)
    page.on("console", lambda message: seen.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    page.on("dialog", lambda dialog: (seen.dialogs.append(dialog.message), dialog.dismiss()))
    yield seen
    assert seen.errors == [], "the page logged errors"
    assert seen.outside == [], "the page reached outside 127.0.0.1"
    assert seen.dialogs == [], "a dialog opened"


def search_text(paper: Paper, catalog: Catalog) -> str:
    """What Browse's free text matches, as documented on the page: title, authors, venue, pretext, tags, ids."""
    parts = [paper.title, *(paper.authors or []), catalog.taxonomy.label("venue", paper.venue), *(paper.pretext or [])]
    parts += [*(paper.pretraining_data or []), *(paper.tags or []), paper.id, paper.arxiv or "", paper.doi or ""]
    return fold(" ".join(parts))


def expected_ids(
    catalog: Catalog,
    selected: dict[str, Sequence[str]] | None = None,
    words: str = "",
    years: tuple[int, int] | None = None,
    code: bool = False,
    ref: bool = False,
    weights: bool = False,
    commercial: bool = False,
) -> list[str]:
    """The specification of Browse: any of the ticked values within a facet, every facet, newest first."""
    selected = selected or {}
    found = []
    for paper in catalog.newest_first():
        values = {facet: [paper.venue] if facet == "venue" else (getattr(paper, facet) or []) for facet in FACETS}
        if any(wanted and not set(wanted) & set(values[facet]) for facet, wanted in selected.items()):
            continue
        if years and not years[0] <= paper.year <= years[1]:
            continue
        if (code and not paper.links.code) or (ref and not paper.refs) or (weights and not paper.weights):
            continue
        if commercial and not any(allows_commercial_use(w.license) for w in paper.weights or ()):
            continue
        if not all(word in search_text(paper, catalog) for word in fold(words).split()):
            continue
        found.append(paper.id)
    return found


def open_browse(page: Page, site: BuiltSite, query: str = "") -> None:
    page.goto(f"{site.url}browse/{query}")
    expect(page.locator("#medssl-browse")).to_have_attribute("data-state", "ready")


def shown_ids(page: Page) -> list[str]:
    return page.locator("#medssl-rows tr").evaluate_all("rows => rows.map(row => row.dataset.id)")


def shown_count(page: Page) -> int:
    return int(page.locator("#medssl-count").get_attribute("data-count") or "-1")


def screenshot(page: Page, name: str) -> None:
    """A full-page picture under test-output/site/, taken from the top so the sticky header sits there."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=SCREENSHOTS / name, full_page=True)


def option(page: Page, facet: str, value: str):  # type: ignore[no-untyped-def]
    return page.locator(f'#medssl-facets input[name="{facet}"][value="{value}"]')


def test__search_finds_models_genesis_in_the_real_catalog(page: Page, watch: Watch, real_site: BuiltSite):
    page.goto(real_site.url)
    page.locator("#medssl-search-input").click()
    page.keyboard.type("genesis", delay=20)
    hit = page.locator('.md-search-result__item a[href$="/papers/zhou2019-models-genesis/"]')
    expect(hit).to_contain_text("Models Genesis")
    hit.click()
    expect(page).to_have_url(f"{real_site.url}papers/zhou2019-models-genesis/")
    expect(page.locator("article h1")).to_have_text(real_site.catalog.paper("zhou2019-models-genesis").title)


def test__browse_shows_the_real_catalog_fifty_rows_at_a_time(page: Page, watch: Watch, real_site: BuiltSite):
    total = len(real_site.catalog.papers)
    assert total > 100, "the bundled catalog is big enough to need more than two pages of rows"
    open_browse(page, real_site)
    assert shown_count(page) == total
    assert shown_ids(page) == expected_ids(real_site.catalog)[:50]
    more = page.locator("#medssl-more")
    expect(more).to_have_text(f"Show 50 more of {total - 50}")
    more.click()
    assert shown_ids(page) == expected_ids(real_site.catalog)[:100]


def test__search_answers_from_summaries_and_authors_and_opens_with_the_slash_key(
    page: Page, watch: Watch, fixture_site
):
    page.goto(f"{fixture_site.url}stats/")
    page.keyboard.press("/")
    expect(page.locator("#medssl-search-input")).to_be_focused()
    page.keyboard.type("nodules")  # only in the Models Genesis summary and the LIDC-IDRI dataset's description
    expect(page.locator("#medssl-search-meta")).to_have_text("2 results")
    titles = set(page.locator(".md-search-result__item h1").all_inner_texts())
    assert titles == {fixture_site.catalog.paper("zhou2019-models-genesis").title, "LIDC-IDRI"}
    expect(page.locator(".md-search-result__item mark").first).to_have_text("nodules")
    # Accents and case fold away, in the search box as in Browse.
    page.locator("#medssl-search-input").fill("SANCHEZ azizi")
    expect(page.locator(".md-search-result__item h1")).to_have_text(
        fixture_site.catalog.paper("azizi2021-chest-xray").title
    )
    # Hand-written pages are in the index too, by their text.
    page.locator("#medssl-search-input").fill("pull request")
    expect(page.locator(".md-search-result__item").first.locator("h1")).to_have_text("Contribute")
    expect(page.locator(".md-search-result__item .medssl-search__about").first).to_have_text("Page")
    page.keyboard.press("Escape")
    page.goto(f"{fixture_site.url}browse/?q=sanchez")
    expect(page.locator("#medssl-browse")).to_have_attribute("data-state", "ready")
    assert shown_ids(page) == ["azizi2021-chest-xray"]


def test__every_facet_option_shows_and_gives_the_exact_count(page: Page, watch: Watch, fixture_site):
    catalog = fixture_site.catalog
    open_browse(page, fixture_site)
    assert shown_count(page) == len(catalog.papers)
    assert shown_ids(page) == expected_ids(catalog)
    checked = 0
    for facet in FACETS:
        for box in page.locator(f'#medssl-facets input[name="{facet}"]').all():
            value = box.get_attribute("value")
            expected = expected_ids(catalog, {facet: [value]})
            count = page.locator(f'[data-facet-count="{facet}:{value}"]')
            assert count.inner_text() == str(len(expected)), f"{facet}={value}"
            box.check()
            assert (shown_count(page), shown_ids(page)) == (len(expected), expected), f"{facet}={value}"
            box.uncheck()
            checked += 1
    assert checked >= 25
    flags = [
        ("code", expected_ids(catalog, code=True)),
        ("ref", expected_ids(catalog, ref=True)),
        ("weights", expected_ids(catalog, weights=True)),
        ("commercial", expected_ids(catalog, commercial=True)),
    ]
    # The fixture has weights under MIT, under CC-BY-NC-4.0 and under no stated licence: only MIT counts.
    assert [len(expected) for _, expected in flags[2:]] == [3, 1]
    for flag, expected in flags:
        assert page.locator(f'[data-flag-count="{flag}"]').inner_text() == str(len(expected))
        page.locator(f"#medssl-{flag}").check()
        assert (shown_count(page), shown_ids(page)) == (len(expected), expected), flag
        page.locator(f"#medssl-{flag}").uncheck()


def test__ct_segmentation_3d_gives_the_matching_papers_and_an_address_to_share(
    page: Page, watch: Watch, fixture_site, context
):
    catalog = fixture_site.catalog
    open_browse(page, fixture_site)
    for facet, value in [("modality", "CT"), ("task", "segmentation"), ("dimension", "3D")]:
        option(page, facet, value).check()
    expected = expected_ids(catalog, {"modality": ["CT"], "task": ["segmentation"], "dimension": ["3D"]})
    assert expected == ["tang2022-swin-pretraining", "chen2020-ct-contrast", "zhou2019-models-genesis"]
    assert (shown_count(page), shown_ids(page)) == (3, expected)
    assert page.locator("#medssl-count").inner_text() == "3"
    assert urlsplit(page.url).query == "modality=CT&task=segmentation&dimension=3D"
    # Counts next to the options answer "how many if I also tick this": other facets' filters apply.
    assert page.locator('[data-facet-count="modality:MRI"]').inner_text() == str(
        len(expected_ids(catalog, {"modality": ["MRI"], "task": ["segmentation"], "dimension": ["3D"]}))
    )
    expect(page.locator("#medssl-more")).to_be_hidden()  # all three rows are shown
    screenshot(page, "browse.png")

    colleague = context.new_page()
    colleague.goto(page.url)
    expect(colleague.locator("#medssl-browse")).to_have_attribute("data-state", "ready")
    assert (shown_count(colleague), shown_ids(colleague)) == (3, expected)
    for facet, value in [("modality", "CT"), ("task", "segmentation"), ("dimension", "3D")]:
        expect(option(colleague, facet, value)).to_be_checked()
    expect(option(colleague, "modality", "MRI")).not_to_be_checked()


def test__text_years_and_sort_filter_exactly_and_come_back_from_the_address(page: Page, watch: Watch, fixture_site):
    catalog = fixture_site.catalog
    open_browse(page, fixture_site)
    page.locator("#medssl-q").fill("self")
    assert shown_ids(page) == expected_ids(catalog, words="self")
    page.locator("#medssl-from").select_option("2022")
    page.locator("#medssl-to").select_option("2023")
    expected = expected_ids(catalog, words="self", years=(2022, 2023))
    assert expected == ["li2023-echo-distillation"]
    assert shown_ids(page) == expected
    page.locator("#medssl-q").fill("")
    page.locator("#medssl-sort").select_option("title")
    by_title = sorted(expected_ids(catalog, years=(2022, 2023)), key=lambda i: catalog.paper(i).title.casefold())
    assert shown_ids(page) == by_title
    address = page.url
    assert urlsplit(address).query == "from=2022&to=2023&sort=title"

    open_browse(page, fixture_site, "?q=MODELS+genesis&venue=MICCAI&code=1&ref=1")
    assert shown_ids(page) == ["zhou2019-models-genesis"]
    expect(page.locator("#medssl-q")).to_have_value("MODELS genesis")
    page.locator("#medssl-clear").click()
    assert shown_count(page) == len(catalog.papers)
    assert urlsplit(page.url).query == ""


def test__browse_starts_after_an_instant_page_load(page: Page, watch: Watch, fixture_site):
    page.goto(fixture_site.url)
    page.locator(".md-tabs__link", has_text="Browse").click()
    expect(page.locator("#medssl-browse")).to_have_attribute("data-state", "ready")
    assert shown_count(page) == len(fixture_site.catalog.papers)


def test__the_paper_page_shows_everything_and_copies_its_bibtex(page: Page, watch: Watch, fixture_site, context):
    paper = fixture_site.catalog.paper("zhou2019-models-genesis")
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{fixture_site.url}papers/{paper.id}/")
    expect(page.locator("article h1")).to_have_text(paper.title)
    expect(page.locator(".medssl-summary")).to_contain_text("restores sub-volumes")
    expect(page.locator(".medssl-links a", has_text="1908.06912")).to_have_attribute(
        "href", "https://arxiv.org/abs/1908.06912"
    )
    expect(page.locator(".medssl-references a", has_text="Runnable references")).to_have_attribute(
        "href", f"{fixture_site.url}refs/"
    )
    reference = page.locator(".medssl-references a", has_text="source")
    expect(reference).to_have_attribute(
        "href",
        "https://github.com/awesome-ssl-medical-imaging/awesome-ssl-medical-imaging/blob/main/runnable_refs/models_genesis.py",
    )
    expect(page.locator(".medssl-references pre")).to_have_text("medssl refs run models_genesis --device auto")

    bibtex = page.locator(".medssl-bibtex code").inner_text()
    library = bibtexparser.parse_string(bibtex)
    assert not library.failed_blocks
    [entry] = library.entries
    assert entry.key == paper.id and entry.entry_type == "inproceedings"
    assert entry["title"] == paper.title and entry["eprint"] == "1908.06912"
    page.locator(".medssl-bibtex").hover()
    page.locator(".medssl-bibtex .md-code__button[data-md-type='copy']").click()
    assert page.evaluate("navigator.clipboard.readText()").strip() == bibtex.strip()

    related = page.locator(".medssl-related li a")
    expect(related.first).to_be_visible()
    screenshot(page, "paper.png")
    page.locator(".medssl-chip", has_text="CT").click()
    expect(page.locator("article h1")).to_have_text("CT")
    ct_papers = [p for p in fixture_site.catalog.newest_first() if "CT" in p.modality]
    expect(page.locator(".medssl-listing tbody tr")).to_have_count(len(ct_papers))


def test__the_stats_charts_are_visible_and_lead_to_browse(page: Page, watch: Watch, fixture_site):
    page.goto(f"{fixture_site.url}stats/")
    for chart in ("#chart-by-year svg", "#chart-matrix table", "#chart-methods svg"):
        expect(page.locator(chart)).to_be_visible()
    assert page.locator("#chart-by-year rect").count() >= len({p.year for p in fixture_site.catalog.papers})
    expect(page.locator("#chart-methods polyline").first).to_be_visible()
    screenshot(page, "stats.png")
    # (Material's instant loading makes every href absolute, hence the suffix match.)
    cell = page.locator('#chart-matrix a[href$="/browse/?modality=CT&task=segmentation"]')
    expect(cell).to_have_text("4")
    cell.click()
    expect(page.locator("#medssl-browse")).to_have_attribute("data-state", "ready")
    assert shown_count(page) == 4


def test__a_hostile_title_stays_text_on_its_page_in_browse_and_in_search(page: Page, watch: Watch, fixture_site):
    page.goto(f"{fixture_site.url}papers/evil2024-hostile-entry/")
    expect(page.locator("article h1")).to_have_text(HOSTILE_TITLE)
    assert page.title().startswith(HOSTILE_TITLE)
    expect(page.locator(".medssl-summary")).to_contain_text("[click](javascript:window.__pwned=3)")
    assert page.locator('a[href^="javascript:"]').count() == 0
    open_browse(page, fixture_site, "?q=evil")
    expect(page.locator("#medssl-rows tr a").first).to_have_text(HOSTILE_TITLE)
    page.locator("#medssl-search-input").click()
    page.keyboard.type("quoted")
    expect(page.locator(".md-search-result__item h1").first).to_have_text(HOSTILE_TITLE)
    assert page.evaluate("window.__pwned") is None


@pytest.mark.parametrize(
    "path",
    [
        "",
        "browse/?modality=CT",
        "papers/chen2020-ct-contrast/",
        "stats/",
        "resources/",
        "downloads/",
        "modality/",
        "datasets/",
        "datasets/evil-set/",
        "benchmarks/",
    ],
)
def test__pages_log_no_errors_and_request_nothing_outside(page: Page, watch: Watch, fixture_site, path):
    page.goto(f"{fixture_site.url}{path}", wait_until="networkidle")
    page.locator("#medssl-search-input").click()
    page.keyboard.type("contrastive")
    expect(page.locator(".md-search-result__item").first).to_be_visible()
    page.wait_for_load_state("networkidle")


def bar_widths(page: Page, selector: str) -> list[float]:
    return page.locator(selector).evaluate_all("bars => bars.map(bar => bar.getBoundingClientRect().width)")


def test__help_wanted_lists_the_gaps_and_leads_to_the_papers(page: Page, watch: Watch, fixture_site):
    page.goto(f"{fixture_site.url}help-wanted/")
    expect(page.locator("article h1")).to_have_text("Help wanted")
    # The Contribute section's pages, side by side in the sidebar.
    expect(page.locator(".md-sidebar--primary a.md-nav__link--active")).to_have_text("Help wanted")
    expect(page.locator(".md-sidebar--primary a.md-nav__link", has_text="How to contribute")).to_be_visible()
    gaps = page.locator("#gap-totals tbody tr")
    counts = [int(text) for text in page.locator("#gap-totals tbody td.medssl-number").all_inner_texts()]
    assert gaps.count() == len(counts) >= 5 and counts == sorted(counts, reverse=True)
    # Bars are drawn to scale: each as long, relative to the first, as its count.
    widths = bar_widths(page, "#gap-totals .medssl-bar__fill")
    assert widths[0] > 50
    for width, count in zip(widths, counts, strict=True):
        assert abs(width - widths[0] * count / counts[0]) <= 1.5
    screenshot(page, "help-wanted.png")
    dead = page.locator('#papers-with-gaps tr[data-paper-id="azizi2021-chest-xray"] .medssl-chip--dead')
    expect(dead).to_have_text("dead link: code (checked 2026-11-20)")
    page.locator('#papers-with-gaps tr[data-paper-id="azizi2021-chest-xray"] td a').first.click()
    expect(page.locator("article h1")).to_have_text(fixture_site.catalog.paper("azizi2021-chest-xray").title)
    expect(page.locator(".medssl-links .medssl-link-state--dead")).to_have_text("dead (404) · checked 2026-11-20")


def test__performance_shows_each_benchmark_its_floor_and_machine(page: Page, watch: Watch, fixture_site):
    page.goto(f"{fixture_site.url}performance/")
    expect(page.locator(".md-sidebar--primary a.md-nav__link--active")).to_have_text("Performance")
    measured = page.locator("#bench-catalog_scale")
    expect(measured.locator("dl.medssl-machine")).to_contain_text("Example CPU <b>9000</b>")
    expect(measured.locator("tbody tr")).to_have_count(2)
    floor, ours = bar_widths(page, "#chart-catalog_scale .medssl-bars__group:first-child .medssl-bar__fill")
    assert ours > 100 and abs(floor / ours - 0.1 / 0.3) < 0.01  # lengths show the 3.00× ratio
    for name in ("site_scale", "refs_speed"):
        expect(page.locator(f"#bench-{name} .medssl-bench__missing")).to_contain_text("Not measured yet.")
    screenshot(page, "performance.png")


def test__weights_filters_combine_with_others_and_come_back_from_the_address(page: Page, watch: Watch, fixture_site):
    catalog = fixture_site.catalog
    open_browse(page, fixture_site, "?weights=1&modality=CT")
    expected = expected_ids(catalog, {"modality": ["CT"]}, weights=True)
    assert expected == ["tang2022-swin-pretraining", "zhou2019-models-genesis"]
    assert shown_ids(page) == expected
    expect(page.locator("#medssl-weights")).to_be_checked()
    page.locator("#medssl-commercial").check()
    assert shown_ids(page) == ["zhou2019-models-genesis"]
    assert urlsplit(page.url).query == "modality=CT&weights=1&commercial=1"


def test__a_dataset_page_shows_its_leaderboards_and_chart(page: Page, watch: Watch, fixture_site):
    boards = [board for board in leaderboards(fixture_site.catalog) if board.dataset == "btcv"]
    page.goto(f"{fixture_site.url}datasets/btcv/")
    expect(page.locator("article h1")).to_have_text("BTCV")
    tables = page.locator(".medssl-leaderboard table")
    expect(tables).to_have_count(len(boards))
    for board in boards:
        table = page.locator(f"#{board.anchor}-table table")
        expect(table).to_be_visible()
        ranks = table.locator("tbody tr").evaluate_all("rows => rows.map(row => Number(row.dataset.rank))")
        assert ranks == [row.rank for row in board.rows]
    # Ties share a rank; the retracted paper's 99.0 is nowhere on the page.
    full = page.locator("#lb-segmentation-dice-fine-tune-100pct-table tbody tr")
    assert full.evaluate_all("rows => rows.map(row => row.dataset.rank)") == ["1", "1", "3", "4"]
    expect(page.locator('.medssl-leaderboard tr[data-paper-id="kim2023-brain-registration"]')).to_have_count(0)
    chart = page.locator("#chart-le-segmentation-dice-fine-tune svg")
    expect(chart).to_be_visible()
    expect(chart.locator("title").first).to_have_text("BTCV: Dice against the share of training labels (fine-tune)")
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    expect(page.locator("#chart-le-segmentation-dice-fine-tune .medssl-legend li")).to_have_count(4)
    screenshot(page, "dataset.png")
    # The Benchmarks page leads to each table.
    page.goto(f"{fixture_site.url}benchmarks/")
    expect(page.locator("#medssl-leaderboards tbody tr")).to_have_count(len(leaderboards(fixture_site.catalog)))
    page.locator('#medssl-leaderboards a[href$="#lb-segmentation-hd95-fine-tune-100pct"]').click()
    expect(page.locator("#lb-segmentation-hd95-fine-tune-100pct-table")).to_be_in_viewport()
    assert page.evaluate("window.__pwned") is None
