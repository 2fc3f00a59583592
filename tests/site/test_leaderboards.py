"""Leaderboards and label-efficiency curves on tiny catalogs built in tmp_path: what may be ranked together,
in what order, and how the dataset pages, the Benchmarks page and the chart show it."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from schema import Catalog
from site_builder.catalog.load import load_catalog
from site_builder.render.dataset_pages import efficiency_chart, render_benchmarks_page, render_dataset_pages
from site_builder.render.leaderboards import (
    MIN_PAPERS,
    backbone_family,
    label_efficiency,
    label_fraction_text,
    leaderboards,
)

Result = dict[str, object]


def result(value: float, **fields: object) -> Result:
    """A BTCV Dice fine-tune row at 100% labels unless `fields` say otherwise."""
    row: Result = {
        "dataset": "btcv",
        "task": "segmentation",
        "metric": "Dice",
        "value": value,
        "printed": f"{value}",
        "label_fraction": 1.0,
        "protocol": "fine-tune",
        "model": "Ours",
        "where": "Table 1",
    }
    row.update(fields)
    return {key: item for key, item in row.items() if item is not None}


@pytest.fixture
def catalog_with(catalog_dir: Path, write_paper: Callable[[str, str], Path]) -> Callable[..., Catalog]:
    """catalog_with(paper_id=[results], ...) -> the loaded catalog; `retracted` names papers to retract."""

    def build(retracted: tuple[str, ...] = (), **papers: list[Result]) -> Catalog:
        for number, (name, results) in enumerate(sorted(papers.items())):
            paper_id = name.replace("_", "-")
            fields: dict[str, object] = {
                "title": f"Paper {paper_id}",
                "year": 2020 + number % 5,
                "venue": "MICCAI",
                "modality": ["CT"],
                "task": ["segmentation"],
                "method": ["contrastive"],
                "links": {"paper": f"https://example.org/{paper_id}"},
                "results": results,
            }
            if paper_id in retracted:
                fields["retracted"] = {"date": "2025-01-02", "notice": f"https://example.org/{paper_id}/retraction"}
            write_paper(paper_id, yaml.safe_dump(fields, sort_keys=False, allow_unicode=True))
        loaded = load_catalog(catalog_dir)
        assert loaded.problems == [], loaded.problems
        assert loaded.catalog is not None
        return loaded.catalog

    return build


def ranked(board) -> list[tuple[int, str, float]]:  # type: ignore[no-untyped-def]
    return [(row.rank, row.paper.id, row.result.value) for row in board.rows]


def test__rows_of_different_protocols_or_label_fractions_never_share_a_board(catalog_with):
    catalog = catalog_with(
        a=[result(80.0), result(60.0, protocol="linear-probe"), result(70.0, label_fraction=0.1)],
        b=[result(81.0), result(61.0, protocol="linear-probe"), result(71.0, label_fraction=0.1)],
        c=[result(90.0, label_fraction="10 volumes"), result(50.0, protocol="zero-shot")],
    )
    boards = leaderboards(catalog)
    keys = [(board.protocol, board.label_fraction) for board in boards]
    assert keys == [("fine-tune", 0.1), ("fine-tune", 1.0), ("linear-probe", 1.0)]  # shares, then protocol order
    for board in boards:
        assert {(row.result.protocol, row.result.label_fraction) for row in board.rows} == {
            (board.protocol, board.label_fraction)
        }
    assert ranked(boards[1]) == [(1, "b", 81.0), (2, "a", 80.0)]


def test__equal_values_share_a_rank_and_the_next_rank_skips(catalog_with):
    catalog = catalog_with(a=[result(80.0)], b=[result(82.5)], c=[result(82.5)], d=[result(79.0)])
    [board] = leaderboards(catalog)
    assert ranked(board) == [(1, "b", 82.5), (1, "c", 82.5), (3, "a", 80.0), (4, "d", 79.0)]


def test__a_lower_is_better_metric_ranks_ascending(catalog_with):
    catalog = catalog_with(
        a=[result(9.8, metric="HD95"), result(7.0, metric="ASD")],
        b=[result(7.2, metric="hd95"), result(7.5, metric="ASD")],
        c=[result(12.0, metric="HD95"), result(6.0, metric="ASD")],
    )
    boards = {board.metric: board for board in leaderboards(catalog)}
    assert boards["HD95"].direction == "lower"
    assert ranked(boards["HD95"]) == [(1, "b", 7.2), (2, "a", 9.8), (3, "c", 12.0)]
    assert [row.paper.id for row in boards["ASD"].rows] == ["c", "a", "b"]


def test__a_retracted_paper_is_left_out_of_every_board_and_curve(catalog_with):
    catalog = catalog_with(
        retracted=("b",),
        a=[result(80.0), result(70.0, label_fraction=0.1)],
        b=[result(99.0), result(98.0, label_fraction=0.1)],
        c=[result(79.0), result(69.0, label_fraction=0.1)],
    )
    boards = leaderboards(catalog)
    assert boards and all("b" not in board.paper_ids for board in boards)
    assert all(series.paper.id != "b" for curve in label_efficiency(catalog) for series in curve.series)


def test__a_retracted_paper_does_not_count_towards_the_two_papers(catalog_with):
    assert leaderboards(catalog_with(retracted=("b",), a=[result(80.0)], b=[result(99.0)])) == []


def test__a_board_needs_two_distinct_papers_and_then_shows_every_row(catalog_with):
    one_paper = catalog_with(a=[result(80.0, model="Ours"), result(75.0, model="Baseline", baseline=True)])
    assert MIN_PAPERS == 2 and leaderboards(one_paper) == []
    two_papers = catalog_with(
        a=[result(80.0, model="Ours"), result(75.0, model="Baseline", baseline=True)], b=[result(78.0)]
    )
    [board] = leaderboards(two_papers)
    assert board.paper_ids == ["a", "b"]
    assert [(row.paper.id, row.result.model, row.result.baseline) for row in board.rows] == [
        ("a", "Ours", False),
        ("b", "Ours", False),
        ("a", "Baseline", True),
    ]


def test__rows_whose_split_or_backbone_family_differ_are_marked(catalog_with):
    catalog = catalog_with(
        a=[result(80.0, split="test", backbone="ViT-B/16")],
        b=[result(79.0, split="test", backbone="DeiT-S")],
        c=[result(78.0, split="val", backbone="ResNet-50")],
        d=[result(77.0)],  # states neither: nothing to compare, no mark
    )
    [board] = leaderboards(catalog)
    assert [row.warnings for row in board.rows] == [(), (), ("val split, not test", "ResNet backbone, not ViT"), ()]
    assert board.caveats == ["rows differ in split (test, val)", "rows differ in backbone family (ResNet, ViT)"]
    page = render_dataset_pages(catalog)["datasets/btcv.md"]
    assert page.count('class="medssl-warning"') == 2
    assert "⚠</span> Rows differ in backbone family (ResNet, ViT): compare with care." in page


@pytest.mark.parametrize(
    ("backbone", "family"),
    [
        ("ViT-B/16", "ViT"),
        ("MAE ViT-L", "ViT"),
        ("UNETR", "ViT"),
        ("Swin UNETR", "Swin"),
        ("Swin-B", "Swin"),
        ("ResNet-50", "ResNet"),
        ("ResNeXt-101", "ResNet"),
        ("3D U-Net", "U-Net"),
        ("nnU-Net", "U-Net"),
        ("ConvNeXt-T", "ConvNeXt"),
        ("DenseNet-121", "DenseNet"),
        ("custom CNN", None),
        (None, None),
    ],
)
def test__a_backbone_family_is_read_from_its_text(backbone, family):
    assert backbone_family(backbone) == family


@pytest.mark.parametrize(
    ("fraction", "text"),
    [
        (0.01, "1%"),
        (0.1, "10%"),
        (1.0, "100%"),
        (0.005, "0.5%"),
        (0.07, "7%"),
        ("5 shots", "5 shots"),
        (None, "not stated"),
    ],
)
def test__a_label_fraction_reads_as_a_percentage_or_its_count(fraction, text):
    assert label_fraction_text(fraction) == text


def test__the_label_efficiency_chart_draws_one_line_per_paper_on_a_log_axis(catalog_with):
    catalog = catalog_with(
        a=[result(60.0, label_fraction=0.01), result(70.0, label_fraction=0.1), result(80.0)],
        b=[result(65.0, label_fraction=0.01), result(78.0)],
        c=[result(40.0, label_fraction="5 volumes"), result(50.0, label_fraction="50 volumes")],
        d=[result(81.0, protocol="linear-probe")],  # one fraction only under its protocol: no curve
    )
    curves = label_efficiency(catalog)
    assert [(curve.protocol, curve.axis, curve.x_values) for curve in curves] == [
        ("fine-tune", "share", (0.01, 0.1, 1.0)),
        ("fine-tune", "volumes", (5.0, 50.0)),
    ]
    shares = curves[0]
    assert [(series.paper.id, len(series.points)) for series in shares.series] == [("a", 3), ("b", 2)]
    chart = efficiency_chart(catalog, shares, "datasets/btcv/")
    xs = [[x for x, _, _ in points] for _, _, points in chart.lines]
    # Log scale: 10% lies halfway between 1% and 100%.
    assert math.isclose(xs[0][1] - xs[0][0], xs[0][2] - xs[0][1], abs_tol=0.02)
    assert xs[1] == [xs[0][0], xs[0][2]]

    page = render_dataset_pages(catalog)["datasets/btcv.md"]
    svg = re.search(r'<div class="medssl-chart" id="chart-le-segmentation-dice-fine-tune">(.*?)</div>', page, re.S)
    assert svg is not None
    assert svg.group(1).count("<polyline") == 2 and svg.group(1).count('class="medssl-chart__series"') == 2
    assert "<title id=" in svg.group(1) and 'role="img"' in svg.group(1)
    assert svg.group(1).count("<li>") == 2  # the legend: one entry per line
    assert 'id="chart-le-segmentation-dice-fine-tune-volumes"' in page  # counts get their own axis


def test__the_benchmarks_page_links_each_board_on_its_dataset_page(catalog_with):
    catalog = catalog_with(a=[result(80.0), result(9.0, metric="HD95")], b=[result(81.0), result(8.0, metric="HD95")])
    boards = leaderboards(catalog)
    page = render_benchmarks_page(catalog)
    links = re.findall(r'<a href="\.\./(datasets/btcv/#[^"]+)">BTCV</a>', page)
    assert (
        links
        == [board.url for board in boards]
        == [
            "datasets/btcv/#lb-segmentation-dice-fine-tune-100pct",
            "datasets/btcv/#lb-segmentation-hd95-fine-tune-100pct",
        ]
    )
    dataset_page = render_dataset_pages(catalog)["datasets/btcv.md"]
    for board in boards:
        assert f'<h3 id="{board.anchor}">' in dataset_page


def test__every_dataset_gets_a_page_and_a_row_in_the_overview(catalog_with):
    catalog = catalog_with(a=[result(80.0)])
    pages = render_dataset_pages(catalog)
    assert set(pages) == {"datasets/index.md", "datasets/btcv.md", "datasets/lidc-idri.md"}
    assert '<a href="../datasets/btcv/">BTCV</a>' in pages["datasets/index.md"]
    assert "No leaderboard yet" in pages["datasets/btcv.md"]
    assert '<a href="../../papers/a/">Paper a</a>' in pages["datasets/btcv.md"]


def test__a_dataset_whose_access_nobody_read_says_not_stated(catalog_dir, catalog_with):
    datasets = catalog_dir / "datasets.yaml"
    datasets.write_text(datasets.read_text().replace("    access: registration\n", ""), encoding="utf-8")
    pages = render_dataset_pages(catalog_with(a=[result(80.0)]))
    assert "<dt>Access</dt>\n<dd>not stated</dd>" in pages["datasets/btcv.md"]
    assert "<dd>open <span" in pages["datasets/lidc-idri.md"]
    btcv_row = next(line for line in pages["datasets/index.md"].splitlines() if 'data-dataset-id="btcv"' in line)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", btcv_row)
    assert cells[3:5] == ["not stated", "not stated"]  # access, then licence


def test__a_fraction_and_a_percentage_of_one_percent_metric_rank_on_one_scale(catalog_with):
    catalog = catalog_with(
        a=[result(0.8225, printed="0.8225")],  # at most 1, no scale: a fraction of the '%' metric Dice
        b=[result(82.25)],
        c=[result(0.9, printed="0.90", scale="percent")],  # really 0.9%
        d=[result(0.81, printed="0.810", scale="fraction")],
    )
    [board] = leaderboards(catalog)
    assert [(row.rank, row.paper.id, row.value) for row in board.rows] == [
        (1, "a", 82.25),
        (1, "b", 82.25),
        (3, "d", 81.0),
        (4, "c", 0.9),
    ]
    page = render_dataset_pages(catalog)["datasets/btcv.md"]
    assert '<span class="medssl-value">0.8225</span> <span class="medssl-muted" title="ranked on the metric' in page
    assert "= 82.25%</span>" in page


@pytest.mark.parametrize(
    ("low", "high"), [(70.1, 82.5), (0.8, 0.95), (0.3984, 0.3984), (0.0, 0.0), (-0.2, 0.6), (2.0, 19.9), (55, 99)]
)
def test__value_ticks_cover_the_values_in_a_few_round_steps(low, high):
    from site_builder.render.dataset_pages import value_ticks

    ticks, decimals = value_ticks(low, high)
    assert ticks[0] <= low and ticks[-1] >= high and 2 <= len(ticks) <= 8
    assert ticks == sorted(set(ticks))
    assert len({f"{tick:.{decimals}f}" for tick in ticks}) == len(ticks)  # printed, no two ticks read the same


def test__an_auc_printed_as_a_percentage_ranks_with_fractions(catalog_with):
    catalog = catalog_with(
        a=[result(0.95, metric="AUC", printed="0.950")],
        b=[result(98.7, metric="AUC", printed="98.7%", scale="percent")],
    )
    [board] = leaderboards(catalog)
    assert [(row.rank, row.paper.id, row.value) for row in board.rows] == [(1, "b", 0.987), (2, "a", 0.95)]
