"""The Stats page: how the field grew, as inline SVG charts and a heat-map table computed here.

Static SVG keeps the page offline, instant and printable; text in the charts uses
`currentColor`, so they follow the light/dark toggle. Geometry is computed in Python and the
template only draws it.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from schema import Catalog, Paper
from site_builder.render.html import html_environment
from site_builder.render.leaderboards import Leaderboard, leaderboards

# Tableau 10: distinguishable in light and dark mode and for common colour-vision deficiencies.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
OTHER = "Other"
# Chart frame in SVG user units; the SVG scales to the page width.
WIDTH, HEIGHT = 760, 340
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 44, 12, 16, 36


@dataclass(frozen=True)
class Series:
    label: str
    colour: str
    dash: str = ""  # SVG stroke-dasharray, e.g. "6 4"; empty for a solid line
    url: str = ""  # page-relative link for the legend entry, if it has one


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass
class Chart:
    """Everything the template draws for one chart."""

    title: str
    description: str
    legend: list[Series]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    rects: list[Rect] = field(default_factory=list)
    lines: list[tuple[Series, str, list[tuple[float, float, str]]]] = field(default_factory=list)
    totals: list[Tick] = field(default_factory=list)  # label above each bar: position is x, label the total
    total_y: list[float] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = MARGIN_LEFT
    plot_right: int = WIDTH - MARGIN_RIGHT
    plot_bottom: int = HEIGHT - MARGIN_BOTTOM
    plot_top: int = MARGIN_TOP
    x_label: str = ""  # axis titles, drawn when set
    y_label: str = ""


def nice_ticks(maximum: int, most: int = 6) -> list[int]:
    """0, step, 2*step, ... covering `maximum`, with step 1, 2 or 5 times a power of ten."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / (most - 1)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return list(range(0, step * math.ceil(maximum / step) + 1, step))


def _y_scale(ticks: list[int]) -> tuple[list[Tick], float]:
    """Y ticks in SVG coordinates, and units per paper."""
    plot_height = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    per_unit = plot_height / ticks[-1]
    return [Tick(HEIGHT - MARGIN_BOTTOM - value * per_unit, str(value)) for value in ticks], per_unit


def _year_range(papers: tuple[Paper, ...]) -> list[int]:
    years = [paper.year for paper in papers]
    return list(range(min(years), max(years) + 1)) if years else []


def _x_labels(years: list[int], centre: dict[int, float]) -> list[Tick]:
    every = max(1, math.ceil(len(years) / 14))  # at most ~14 labels so they never overlap
    return [Tick(centre[year], str(year)) for index, year in enumerate(years) if index % every == 0]


def papers_per_year_by_modality(catalog: Catalog, groups: int = 9) -> Chart:
    """Stacked bars: papers per year, coloured by each paper's first-listed modality."""
    taxonomy = catalog.taxonomy
    years = _year_range(catalog.papers)
    main_modality = Counter(paper.modality[0] for paper in catalog.papers)
    shown = [modality for modality, _ in sorted(main_modality.items(), key=lambda item: (-item[1], item[0]))]
    shown = shown[:groups] if len(shown) <= groups else shown[: groups - 1]
    series = {modality: Series(taxonomy.label("modality", modality), PALETTE[i]) for i, modality in enumerate(shown)}
    other = Series(OTHER, PALETTE[len(shown)])
    counts: dict[int, Counter[str]] = {year: Counter() for year in years}
    for paper in catalog.papers:
        counts[paper.year][paper.modality[0] if paper.modality[0] in series else OTHER] += 1
    totals = {year: sum(counts[year].values()) for year in years}
    y_ticks, per_unit = _y_scale(nice_ticks(max(totals.values(), default=0)))
    slot = (WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / max(len(years), 1)
    bar = slot * 0.72
    centre = {year: MARGIN_LEFT + slot * (index + 0.5) for index, year in enumerate(years)}
    legend = [*series.values(), *([other] if any(c[OTHER] for c in counts.values()) else [])]
    chart = Chart(
        title="Papers per year, by modality",
        description="Stacked bars: each paper counts once, under its first-listed modality.",
        legend=legend,
        y_ticks=y_ticks,
        x_ticks=_x_labels(years, centre),
    )
    for year in years:
        bottom = HEIGHT - MARGIN_BOTTOM
        for key, colour_series in [*series.items(), (OTHER, other)]:
            count = counts[year][key]
            if not count:
                continue
            height = count * per_unit
            bottom -= height
            chart.rects.append(
                Rect(
                    round(centre[year] - bar / 2, 2),
                    round(bottom, 2),
                    round(bar, 2),
                    round(height, 2),
                    colour_series.colour,
                    f"{year} · {colour_series.label}: {count} paper{'s' * (count != 1)}",
                )
            )
        if totals[year]:
            chart.totals.append(Tick(round(centre[year], 2), str(totals[year])))
            chart.total_y.append(round(bottom - 4, 2))
    return chart


def method_families_over_time(catalog: Catalog) -> Chart:
    """One line per method family: papers per year that use it (a paper counts in each of its families)."""
    taxonomy = catalog.taxonomy
    years = _year_range(catalog.papers)
    per_year: dict[str, Counter[int]] = {}
    for paper in catalog.papers:
        for method in paper.method:
            per_year.setdefault(method, Counter())[paper.year] += 1
    methods = [method for method in taxonomy.ids("method") if method in per_year]
    y_ticks, per_unit = _y_scale(nice_ticks(max((max(c.values()) for c in per_year.values()), default=0)))
    slot = (WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / max(len(years), 1)
    centre = {year: MARGIN_LEFT + slot * (index + 0.5) for index, year in enumerate(years)}
    chart = Chart(
        title="Method families over time",
        description="Papers per year in each self-supervised method family; a paper counts in each family it uses.",
        legend=[],
        y_ticks=y_ticks,
        x_ticks=_x_labels(years, centre),
    )
    for index, method in enumerate(methods):
        series = Series(taxonomy.label("method", method), PALETTE[index % len(PALETTE)])
        chart.legend.append(series)
        points = [
            (
                round(centre[year], 2),
                round(HEIGHT - MARGIN_BOTTOM - per_year[method][year] * per_unit, 2),
                f"{year} · {series.label}: {per_year[method][year]}",
            )
            for year in years
        ]
        path = " ".join(f"{x},{y}" for x, y, _ in points)
        chart.lines.append((series, path, points))
    return chart


@dataclass(frozen=True)
class MatrixCell:
    count: int
    heat: float  # 0..1, share of the largest cell
    browse_query: str
    title: str


@dataclass(frozen=True)
class Matrix:
    columns: list[str]
    rows: list[tuple[str, list[MatrixCell]]]


def modality_task_matrix(catalog: Catalog) -> Matrix:
    """Papers per (modality, task) pair; a paper counts in every pair it covers."""
    taxonomy = catalog.taxonomy
    pairs = Counter((m, t) for paper in catalog.papers for m in paper.modality for t in paper.task)
    modalities = [m for m in taxonomy.ids("modality") if any(key[0] == m for key in pairs)]
    tasks = [t for t in taxonomy.ids("task") if any(key[1] == t for key in pairs)]
    largest = max(pairs.values(), default=1)
    rows = []
    for modality in modalities:
        cells = []
        for task in tasks:
            count = pairs[(modality, task)]
            label = f"{taxonomy.label('modality', modality)} × {taxonomy.label('task', task)}: {count}"
            query = urlencode([("modality", modality), ("task", task)])
            cells.append(MatrixCell(count, round(count / largest, 3), query, label))
        rows.append((taxonomy.label("modality", modality), cells))
    return Matrix([taxonomy.label("task", task) for task in tasks], rows)


def render_stats_page(catalog: Catalog, boards: list[Leaderboard] | None = None) -> str:
    """`boards`, when given, are leaderboards(catalog), computed once for the whole site. Retracted papers
    stay listed elsewhere but leave these counts, as they leave the leaderboards."""
    boards = leaderboards(catalog) if boards is None else boards
    retracted = sum(paper.retracted is not None for paper in catalog.papers)
    catalog = dataclasses.replace(catalog, papers=tuple(p for p in catalog.papers if p.retracted is None))
    papers = catalog.papers
    venues = Counter(paper.venue for paper in papers).most_common(10)
    return (
        html_environment()
        .get_template("site_stats.md.j2")
        .render(
            total=len(papers),
            retracted=retracted,
            with_code=sum(bool(paper.links.code) for paper in papers),
            with_results=sum(bool(paper.results) for paper in papers),
            with_refs=sum(bool(paper.refs) for paper in papers),
            by_year=papers_per_year_by_modality(catalog),
            methods=method_families_over_time(catalog),
            matrix=modality_task_matrix(catalog),
            venues=[(catalog.taxonomy.label("venue", venue), count) for venue, count in venues],
            boards=len(boards),
            board_datasets=len({board.dataset for board in boards}),
            largest_boards=sorted(boards, key=lambda board: -len(board.paper_ids))[:5],
            datasets=catalog.datasets,
            taxonomy=catalog.taxonomy,
        )
    )
