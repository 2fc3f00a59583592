"""The site renderers on the fixture catalog: pages, exports, feed, charts, Browse index. No mkdocs, no browser."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ElementTree
from collections import Counter

import bibtexparser
import pytest

from schema import Catalog, Links, Paper
from site_builder.render.browse import COLUMNS, browse_index
from site_builder.render.exports import CSV_COLUMNS, render_papers_csv, render_papers_json
from site_builder.render.feed import render_atom_feed
from site_builder.render.folding import fold
from site_builder.render.html import http_url, relative_url
from site_builder.render.paper_page import RELATED_LIMIT, RunnableReference, related_papers, render_paper_page
from site_builder.render.search_index import COLUMNS as SEARCH_COLUMNS
from site_builder.render.search_index import SitePage, search_records
from site_builder.render.site import SiteSettings, render_site_files
from site_builder.render.stats import modality_task_matrix, nice_ticks, papers_per_year_by_modality
from tests.site.conftest import HOSTILE_TITLE, SITE_URL

ATOM = "{http://www.w3.org/2005/Atom}"
REPOSITORY = "https://github.com/example/catalog"
REFERENCES = {"models_genesis": RunnableReference("models_genesis", f"{REPOSITORY}/blob/main/mg.py", "run mg")}


def page_of(catalog: Catalog, paper: Paper) -> str:
    return render_paper_page(paper, catalog, related_papers(catalog)[paper.id], REFERENCES, REPOSITORY)


def test__catalog_text_is_escaped_on_the_paper_page(fixture_catalog):
    page = page_of(fixture_catalog, fixture_catalog.paper("evil2024-hostile-entry"))
    assert "<script>" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    assert "evil?x=&#34;onmouseover" in page  # the quote cannot end the href attribute
    assert 'href="javascript:' not in page
    summary = (
        "&lt;img src=x onerror=&#34;window.__pwned = 2&#34;&gt; [click](javascript:window.__pwned=3) *not emphasis*"
    )
    assert f"<p>{summary}</p>" in page  # inside an HTML block, so Markdown leaves the text alone
    # Material prints page.meta.title unescaped into <title>: the front matter carries it escaped.
    front_matter = page.split("---\n")[1]
    assert 'title: "&lt;script&gt;window.__pwned = 1&lt;/script&gt; Evil &amp; &#34;quoted&#34;' in front_matter


def test__a_link_that_is_not_http_never_becomes_a_link(fixture_catalog):
    genesis = fixture_catalog.paper("zhou2019-models-genesis")
    # The schema refuses such a URL; model_construct skips it, as data from elsewhere might.
    sneaky = genesis.model_copy(update={"links": Links.model_construct(code="javascript:alert(1)", paper=None)})
    page = page_of(fixture_catalog, sneaky)
    assert 'href="javascript:' not in page
    assert "Code: javascript:alert(1)" in page  # shown as text
    assert http_url("JavaScript:alert(1)") is None and http_url(" data:text/html,x") is None
    assert http_url("https://example.org/a") == "https://example.org/a"


def test__the_paper_page_shows_metadata_results_links_bibtex_and_reference(fixture_catalog):
    page = page_of(fixture_catalog, fixture_catalog.paper("zhou2019-models-genesis"))
    assert "<h1>Models Genesis: Generic Autodidactic Models for 3D Medical Image Analysis</h1>" in page
    assert '<a class="medssl-chip" href="../../modality/ct/">CT</a>' in page
    assert '<a href="https://github.com/example/catalog/blob/main/mg.py" rel="noopener">' in page
    assert "<pre><code>run mg</code></pre>" in page
    assert 'href="../../browse/?modality=CT&amp;task=segmentation"' in page
    bibtex = re.search(r'<code class="language-bibtex">(.*?)</code>', page, re.S).group(1)
    library = bibtexparser.parse_string(bibtex)
    assert [entry.key for entry in library.entries] == ["zhou2019-models-genesis"] and not library.failed_blocks

    results_page = page_of(fixture_catalog, fixture_catalog.paper("chen2020-ct-contrast"))
    assert '<th scope="col">Split</th><th scope="col">Source</th></tr>' in results_page  # split: some row has one
    assert '<th scope="col">Note</th>' not in results_page  # no row has a note
    assert (
        '<td><a href="../../datasets/btcv/">BTCV</a></td><td>Segmentation</td><td>Dice</td>'
        '<td class="medssl-number"><span class="medssl-value">82.5</span> <span class="medssl-spread">±0.4</span></td>'
        "<td>100%</td><td>fine-tune</td><td>Contrastive CT encoder</td><td>ResNet-50</td><td>test</td>"
        "<td>paper, Table 2</td></tr>"
    ) in results_page
    assert '<tr class="medssl-baseline"><td><a href="../../datasets/btcv/">BTCV</a>' in results_page


def test__related_papers_share_a_modality_and_a_task(fixture_catalog):
    related = related_papers(fixture_catalog)
    for paper in fixture_catalog.papers:
        assert paper.id not in {other.id for other in related[paper.id]}
        assert len(related[paper.id]) <= RELATED_LIMIT
        for other in related[paper.id]:
            assert set(other.modality) & set(paper.modality) and set(other.task) & set(paper.task)
    assert {p.id for p in related["chen2020-ct-contrast"]} == {
        "zhou2019-models-genesis",
        "tang2022-swin-pretraining",
        "evil2024-hostile-entry",
    }


@pytest.mark.parametrize(
    ("here", "target", "expected"),
    [
        ("papers/x/", "modality/ct/", "../../modality/ct/"),
        ("papers/x/", "", "../../"),
        ("", "browse/", "browse/"),
        ("modality/", "modality/ct/", "../modality/ct/"),
        ("", "", "./"),
    ],
)
def test__relative_urls_between_pages(here, target, expected):
    assert relative_url(here, target) == expected


def test__papers_json_holds_every_paper_and_field(fixture_catalog):
    document = json.loads(render_papers_json(fixture_catalog))
    assert document["count"] == len(fixture_catalog.papers) == len(document["papers"])
    assert [p["id"] for p in document["papers"]] == sorted(p.id for p in fixture_catalog.papers)
    chen = next(p for p in document["papers"] if p["id"] == "chen2020-ct-contrast")
    assert chen["results"][0] == {
        "dataset": "btcv",
        "split": "test",
        "task": "segmentation",
        "metric": "Dice",
        "value": 78.1,  # a number, not text
        "printed": "78.1",
        "label_fraction": 0.1,
        "protocol": "fine-tune",
        "model": "Contrastive CT encoder",
        "backbone": "ResNet-50",
        "where": "Table 2",
        "tier": "paper",
        "baseline": False,
    }
    assert document["datasets"]["btcv"] == "BTCV"
    assert document["vocabularies"]["metric"]["HD95"] == "HD95"
    assert chen["url"] == "https://doi.org/10.1016/j.media.2020.000001"
    assert document["vocabularies"]["modality"]["X-ray"] == fixture_catalog.taxonomy.label("modality", "X-ray")


def test__papers_csv_has_one_row_per_paper(fixture_catalog):
    rows = list(csv.DictReader(io.StringIO(render_papers_csv(fixture_catalog), newline="")))
    assert len(rows) == len(fixture_catalog.papers)
    assert list(rows[0]) == list(CSV_COLUMNS)
    by_id = {row["id"]: row for row in rows}
    assert by_id["zhou2019-models-genesis"]["modality"] == "CT; MRI"
    assert by_id["zhou2019-models-genesis"]["code"] == "https://github.com/MrGiovanni/ModelsGenesis"
    assert by_id["evil2024-hostile-entry"]["title"] == HOSTILE_TITLE  # data, not HTML: kept verbatim


def test__the_feed_lists_added_papers_newest_first_with_absolute_links(fixture_catalog):
    feed = ElementTree.fromstring(render_atom_feed(fixture_catalog, SITE_URL))
    entries = feed.findall(f"{ATOM}entry")
    dated = [p for p in fixture_catalog.papers if p.added]
    assert len(entries) == len(dated)
    ids = [entry.find(f"{ATOM}id").text for entry in entries]
    assert ids == [
        f"{SITE_URL}papers/{paper_id}/"
        for paper_id in [
            "li2023-echo-distillation",
            "azizi2021-chest-xray",  # same day as chen2020: ties go by id
            "chen2020-ct-contrast",
            "zhou2019-models-genesis",
            "wang2024-pathology-dino",
        ]
    ]
    assert feed.find(f"{ATOM}updated").text == "2026-03-05T00:00:00Z"
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == f"{SITE_URL}feed.xml"


def test__nice_ticks_cover_the_maximum_in_a_few_round_steps():
    for maximum in [*range(0, 120), 999, 1234, 10_000]:
        ticks = nice_ticks(maximum)
        assert ticks[0] == 0 and ticks[-1] >= maximum and len(ticks) <= 7
        step = ticks[1] - ticks[0]
        assert str(step).strip("0") in {"1", "2", "5"}


def test__the_year_chart_counts_each_paper_once(fixture_catalog):
    chart = papers_per_year_by_modality(fixture_catalog)
    per_year = Counter(paper.year for paper in fixture_catalog.papers)
    assert {int(tick.label) for tick in chart.x_ticks} <= set(range(2019, 2025))
    shown = {int(title.split(" · ")[0]): 0 for title in (rect.title for rect in chart.rects)}
    for rect in chart.rects:
        shown[int(rect.title.split(" · ")[0])] += int(rect.title.rsplit(": ", 1)[1].split()[0])
    assert shown == dict(per_year)


def test__the_matrix_counts_every_modality_task_pair(fixture_catalog):
    matrix = modality_task_matrix(fixture_catalog)
    ct = dict(matrix.rows)[fixture_catalog.taxonomy.label("modality", "CT")]
    segmentation = matrix.columns.index(fixture_catalog.taxonomy.label("task", "segmentation"))
    expected = sum("CT" in p.modality and "segmentation" in p.task for p in fixture_catalog.papers)
    assert ct[segmentation].count == expected == 4
    assert ct[segmentation].browse_query == "modality=CT&task=segmentation"


def test__the_browse_index_rows_decode_to_the_papers(fixture_catalog):
    index = browse_index(fixture_catalog)
    assert index["columns"] == list(COLUMNS)
    column = {name: position for position, name in enumerate(COLUMNS)}
    assert [row[0] for row in index["papers"]] == [paper.id for paper in fixture_catalog.newest_first()]
    for row in index["papers"]:
        paper = fixture_catalog.paper(row[column["id"]])
        for facet in ("modality", "task", "method", "dimension"):
            assert [index["facets"][facet][i][0] for i in row[column[facet]]] == (getattr(paper, facet) or [])
        assert index["facets"]["venue"][row[column["venue"]]][0] == paper.venue
        assert row[column["refs"]] == len(paper.refs or [])
        assert row[column["weights"]] == int(bool(paper.weights))
        assert row[column["commercial"]] == int(any(w.license in ("MIT", "Apache-2.0") for w in paper.weights or ()))


def test__the_site_files_are_byte_stable(fixture_catalog):
    settings = SiteSettings(SITE_URL, REPOSITORY, REFERENCES)
    first = render_site_files(fixture_catalog, settings)
    assert first == render_site_files(fixture_catalog, settings)
    assert {"browse.md", "stats.md", "catalog.bib", "papers.json", "papers.csv", "feed.xml"} <= set(first)
    assert {"help-wanted.md", "performance.md"} <= set(first)
    assert {f"papers/{paper.id}.md" for paper in fixture_catalog.papers} <= set(first)
    assert "modality/ct.md" in first and "year/2019.md" in first and "method/index.md" in first


def test__folding_drops_case_accents_and_punctuation():
    assert fold("José SÁNCHEZ-Müller, 3D U-Net!") == " jose sanchez muller 3d u net "
    assert fold("") == "  " and fold("Ｆｕｌｌ　width") == " full width "


def test__the_search_index_has_papers_topics_resources_and_pages(fixture_catalog):
    pages = [SitePage("about/", "About", "How the site works.")]
    records = [dict(zip(SEARCH_COLUMNS, record, strict=True)) for record in search_records(fixture_catalog, pages)]
    papers = [r for r in records if r["kind"] in ("paper", "foundations")]
    assert [r["url"] for r in papers] == [f"papers/{p.id}/" for p in fixture_catalog.newest_first()]
    azizi = next(r for r in papers if r["url"] == "papers/azizi2021-chest-xray/")
    assert azizi["subtitle"] == "Shekoofeh Azizi, José Sánchez · ICCV 2021"
    assert " sanchez " in azizi["facets_words"] and " dermoscopy " in azizi["facets_words"]
    assert azizi["title_words"] == fold(azizi["title"])
    assert next(r for r in papers if r["url"] == "papers/he2022-masked-autoencoders/")["kind"] == "foundations"
    ct = next(r for r in records if r["url"] == "modality/ct/")
    assert (ct["kind"], ct["title"], ct["subtitle"]) == ("modality", "CT", "4 papers")
    btcv = next(r for r in records if r["url"] == "datasets/btcv/")
    assert (btcv["kind"], btcv["title"], btcv["subtitle"]) == ("dataset", "BTCV", "CT")
    assert " beyond the cranial vault " in btcv["facets_words"]
    survey = next(r for r in records if r["kind"] == "survey")
    assert survey["url"] == "resources/"  # no verified link: the Resources page instead
    assert records[-1] == dict(
        zip(
            SEARCH_COLUMNS,
            ["about/", "page", "About", "", "How the site works.", 0, " about ", "  ", "  ", " how the site works "],
            strict=True,
        )
    )


def test__the_paper_page_lists_weights_with_licence_access_and_last_check(fixture_catalog, fixture_root):
    from site_builder.catalog.link_status import load_link_status, paper_link_status

    genesis = fixture_catalog.paper("zhou2019-models-genesis")
    records = paper_link_status(genesis, load_link_status(fixture_root))
    page = render_paper_page(genesis, fixture_catalog, [], REFERENCES, REPOSITORY, records)
    weights = re.search(r'<div class="medssl-weights">(.*?)</div>', page, re.S).group(1)
    assert '<a href="https://huggingface.co/example/models-genesis" rel="noopener">' in weights
    assert 'data-link-status="ok">reachable · checked 2026-11-20</span>' in weights
    assert "host: huggingface · licence: MIT · access: open · pretrained" in weights
    assert "<li>Code licence: MIT</li>" in page
    assert "Verified against its sources on 2026-11-01." in page
    swin = page_of(fixture_catalog, fixture_catalog.paper("tang2022-swin-pretraining"))
    assert "licence: licence not stated · access: not stated" in swin
    assert "Not yet verified against its sources." in swin
    assert 'id="weights"' not in page_of(fixture_catalog, fixture_catalog.paper("li2023-echo-distillation"))


def test__a_retracted_paper_carries_a_banner_with_its_notice(fixture_catalog):
    page = page_of(fixture_catalog, fixture_catalog.paper("kim2023-brain-registration"))
    banner = re.search(r'<div class="admonition danger medssl-retracted" role="alert">(.*?)</div>', page, re.S)
    assert banner is not None and page.index("medssl-retracted") < page.index("<h1>")
    assert '<p class="admonition-title">Retracted on 2025-05-01</p>' in banner.group(1)
    assert (
        '<a href="https://example.org/kim2023-retraction" rel="noopener">read the retraction notice</a>'
        in banner.group(1)
    )
    assert "medssl-retracted" not in page_of(fixture_catalog, fixture_catalog.paper("chen2020-ct-contrast"))


def test__the_stats_page_leaves_retracted_papers_out_of_its_counts(fixture_catalog):
    from site_builder.render.stats import render_stats_page

    page = render_stats_page(fixture_catalog)
    assert f"<strong>{len(fixture_catalog.papers) - 1}</strong> papers" in page
    assert "(not counting 1 retracted paper)" in page


@pytest.mark.parametrize(
    ("source", "url"),
    [
        ("https://example.org/table.csv", "https://example.org/table.csv"),
        ("owner/repo:docs/results.md", "https://github.com/owner/repo/blob/HEAD/docs/results.md"),
        ("seed:awesome-list.md", None),
        ("javascript:alert(1)", None),
        (None, None),
    ],
)
def test__a_source_opens_where_a_reader_can_read_it(source, url):
    from site_builder.render.html import source_url

    assert source_url(source) == url


@pytest.mark.parametrize(
    ("source", "label"),
    [
        ("https://github.com/kaiko-ai/towards/blob/main/leaderboards/pathology.csv", "github.com/…/pathology.csv"),
        ("https://example.org/table", "https://example.org/table"),
        ("owner/repo:docs/results.md", "owner/repo:results.md"),
    ],
)
def test__a_long_source_gets_a_short_label_in_a_table(source, label):
    from site_builder.render.html import source_label

    assert source_label(source) == label


def test__the_home_counts_leave_retracted_papers_out(fixture_catalog):
    from site_builder.render.home import render_home_counts

    current = [paper for paper in fixture_catalog.papers if paper.retracted is None]
    assert len(current) < len(fixture_catalog.papers)  # the fixture holds a retracted paper
    counts = render_home_counts(fixture_catalog)
    assert f">{len(current)}<" in counts and f">{len(fixture_catalog.papers)}<" not in counts

