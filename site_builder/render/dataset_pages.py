"""The Datasets overview, one page per dataset (facts, papers, leaderboards, label-efficiency charts) and the
Benchmarks page that lists every leaderboard.

Grouping and ranking are leaderboards.py's; this module lays them out and computes the charts' geometry
(log x axis of the label fraction), which site_charts.j2 draws as inline SVG, as on the Stats page.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from schema import Catalog, Dataset, Paper
from site_builder.render.html import html_environment, paper_url, relative_url
from site_builder.render.leaderboards import (
    EfficiencyCurve,
    Leaderboard,
    dataset_url,
    label_efficiency,
    label_fraction_text,
    leaderboards,
)
from site_builder.render.stats import PALETTE, Chart, Series, Tick

DATASETS_DIR = "datasets"
DATASETS_INDEX_PATH = f"{DATASETS_DIR}/index.md"
BENCHMARKS_PATH = "benchmarks.md"
ACCESS_TEXT = {
    "open": "open download",
    "registration": "download after registering",
    "dua": "after signing a data use agreement",
    "private": "not public",
}
DASHES = ("", "6 4", "2 3")  # after the ten colours, lines repeat them dashed, then dotted
# Chart frame in SVG user units (the SVG scales to the page width).
WIDTH, HEIGHT = 760, 340
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 52
X_PADDING = 28  # keeps the first and last points off the frame
MIN_TICK_GAP = 34  # x labels closer than this to the previous one are left out


@dataclass(frozen=True)
class DatasetView:
    """What a dataset's page shows."""

    dataset: Dataset
    url: str
    pretrained: list[Paper]  # papers that pretrain on it, newest first
    reported: list[Paper]  # papers that report results on it, newest first
    boards: list[Leaderboard]
    charts: list[tuple[EfficiencyCurve, Chart]]


def value_ticks(low: float, high: float, most: int = 6) -> tuple[list[float], int]:
    """Round ticks covering low..high (step 1, 2 or 5 times a power of ten), and the decimals to print them with."""
    span = high - low or abs(high) * 0.1 or 1.0
    raw = span / (most - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    start = math.floor(low / step + 1e-9) * step
    count = math.ceil((high - start) / step - 1e-9)
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    return [round(start + i * step, decimals + 2) for i in range(max(count, 1) + 1)], decimals


def _short_title(title: str) -> str:
    head = title.split(":")[0].strip()
    if ":" in title and len(head) <= 40:
        return head
    return title if len(title) <= 44 else title[:43].rstrip() + "…"


def _x_text(curve: EfficiencyCurve, x: float) -> str:
    return label_fraction_text(x) if curve.axis == "share" else f"{x:g} {curve.axis}"


def efficiency_chart(catalog: Catalog, curve: EfficiencyCurve, here: str) -> Chart:
    """The metric against the label fraction (log x), one line per paper and model row."""
    taxonomy = catalog.taxonomy
    metric = taxonomy.label("metric", curve.metric) if curve.metric in taxonomy.ids("metric") else curve.metric
    values = [value for series in curve.series for _, value, _ in series.points]
    ticks, decimals = value_ticks(min(values), max(values))
    plot_bottom, plot_right = HEIGHT - BOTTOM, WIDTH - RIGHT
    per_unit = (plot_bottom - TOP) / ((ticks[-1] - ticks[0]) or 1.0)

    def y(value: float) -> float:
        return round(plot_bottom - (value - ticks[0]) * per_unit, 2)

    low, high = math.log(curve.x_values[0]), math.log(curve.x_values[-1])
    usable = plot_right - LEFT - 2 * X_PADDING

    def x(value: float) -> float:
        return round(LEFT + X_PADDING + (math.log(value) - low) / (high - low) * usable, 2)

    x_ticks: list[Tick] = []
    for value in curve.x_values:
        if not x_ticks or x(value) - x_ticks[-1].position >= MIN_TICK_GAP:
            x_ticks.append(Tick(x(value), _x_text(curve, value) if curve.axis == "share" else f"{value:g}"))
    unit = f" ({curve.unit})" if curve.unit else ""
    direction = "higher is better" if curve.direction == "higher" else "lower is better"
    dataset = catalog.datasets.get(curve.dataset).name
    axis_name = "share of training labels" if curve.axis == "share" else f"labelled {curve.axis}"
    shown = len(curve.series)
    description = (
        f"{metric} on {dataset} ({taxonomy.label('task', curve.task)}, {curve.protocol}) against the {axis_name}, "
        f"log scale; {direction}. {shown} line{'s' * (shown != 1)}, one per paper and model row"
        + (f"; {curve.left_out} more not drawn." if curve.left_out else ".")
    )
    chart = Chart(
        title=f"{dataset}: {metric} against the {axis_name} ({curve.protocol})",
        description=description,
        legend=[],
        y_ticks=[Tick(y(tick), f"{tick:.{decimals}f}") for tick in ticks],
        x_ticks=x_ticks,
        plot_left=LEFT,
        plot_right=plot_right,
        plot_bottom=plot_bottom,
        plot_top=TOP,
        x_label=f"{axis_name[0].upper()}{axis_name[1:]} (log scale)",
        y_label=f"{metric}{unit}",
    )
    bases = [f"{_short_title(series.paper.title)}: {series.model}" for series in curve.series]
    for index, (series, base) in enumerate(zip(curve.series, bases, strict=True)):
        label = base
        if bases.count(base) > 1:  # the same paper and row on several backbones or splits
            label += f" ({series.backbone or 'backbone not stated'}, {series.split or 'split not stated'})"
        if series.baseline:
            label += " (baseline)"
        dash = DASHES[(index // len(PALETTE)) % len(DASHES)]
        colour = Series(label, PALETTE[index % len(PALETTE)], dash, relative_url(here, paper_url(series.paper.id)))
        chart.legend.append(colour)
        points = [
            (
                x(share),
                y(value),
                f"{series.paper.title} · {series.model}: {result.printed} at {_x_text(curve, share)}",
            )
            for share, value, result in series.points
        ]
        chart.lines.append((colour, " ".join(f"{px},{py}" for px, py, _ in points), points))
    return chart


def _newest_first(papers: list[Paper]) -> list[Paper]:
    return sorted(papers, key=lambda p: (-p.year, -(p.month or 0), p.title.casefold(), p.id))


def dataset_views(
    catalog: Catalog,
    all_boards: list[Leaderboard] | None = None,
    all_curves: list[EfficiencyCurve] | None = None,
) -> list[DatasetView]:
    """One view per dataset of catalog/datasets.yaml, in its order."""
    pretrained: dict[str, list[Paper]] = {}
    reported: dict[str, list[Paper]] = {}
    for paper in catalog.papers:
        for dataset_id in paper.pretraining_data or ():
            pretrained.setdefault(dataset_id, []).append(paper)
        for dataset_id in dict.fromkeys(result.dataset for result in paper.results or ()):
            reported.setdefault(dataset_id, []).append(paper)
    boards: dict[str, list[Leaderboard]] = {}
    for board in leaderboards(catalog) if all_boards is None else all_boards:
        boards.setdefault(board.dataset, []).append(board)
    curves: dict[str, list[EfficiencyCurve]] = {}
    for curve in label_efficiency(catalog) if all_curves is None else all_curves:
        curves.setdefault(curve.dataset, []).append(curve)
    views = []
    for dataset in catalog.datasets.datasets:
        url = dataset_url(dataset.id)
        views.append(
            DatasetView(
                dataset,
                url,
                _newest_first(pretrained.get(dataset.id, [])),
                _newest_first(reported.get(dataset.id, [])),
                boards.get(dataset.id, []),
                [(curve, efficiency_chart(catalog, curve, url)) for curve in curves.get(dataset.id, [])],
            )
        )
    return views


def _context(catalog: Catalog, here: str) -> dict[str, object]:
    link: Callable[[str], str] = lambda url: relative_url(here, url)  # noqa: E731
    return {
        "taxonomy": catalog.taxonomy,
        "datasets": catalog.datasets,
        "link": link,
        "paper_url": paper_url,
        "access_text": ACCESS_TEXT,
        "label_fraction_text": label_fraction_text,
    }


def paper_items(catalog: Catalog, views: list[DatasetView]) -> dict[str, Markup]:
    """Each listed paper's list item, rendered once: at 10,000 papers most are listed on two or three
    dataset pages. Every dataset page sits two folders deep (`datasets/btcv/`), hence the one prefix."""
    item = html_environment().get_template("site_macros.j2").module.paper_list_item  # type: ignore[attr-defined]
    listed = {paper.id: paper for view in views for paper in (*view.reported, *view.pretrained)}
    return {paper_id: item(paper, catalog.taxonomy, "../../") for paper_id, paper in listed.items()}


def render_dataset_pages(
    catalog: Catalog,
    boards: list[Leaderboard] | None = None,
    curves: list[EfficiencyCurve] | None = None,
) -> dict[str, str]:
    """docs/-relative path -> page text: the Datasets overview and one page per dataset. `boards` and
    `curves`, when given, are leaderboards() and label_efficiency() of the same catalog."""
    environment = html_environment()
    views = dataset_views(catalog, boards, curves)
    items = paper_items(catalog, views)
    pages = {
        DATASETS_INDEX_PATH: environment.get_template("site_datasets.md.j2").render(
            views=views, **_context(catalog, f"{DATASETS_DIR}/")
        )
    }
    template = environment.get_template("site_dataset.md.j2")
    for view in views:
        assert view.url.count("/") == 2, "paper_items() links from two folders deep"
        lists = {
            "reported": Markup("\n").join(items[paper.id] for paper in view.reported),
            "pretrained": Markup("\n").join(items[paper.id] for paper in view.pretrained),
        }
        pages[view.url.rstrip("/") + ".md"] = template.render(view=view, lists=lists, **_context(catalog, view.url))
    return pages


def render_benchmarks_page(catalog: Catalog, boards: list[Leaderboard] | None = None) -> str:
    boards = leaderboards(catalog) if boards is None else boards
    return (
        html_environment()
        .get_template("site_benchmarks.md.j2")
        .render(
            boards=boards,
            dataset_count=len({board.dataset for board in boards}),
            **_context(catalog, "benchmarks/"),
        )
    )
