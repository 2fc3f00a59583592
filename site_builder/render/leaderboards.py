"""Which reported results may be ranked together, in what order, and which trace a label-efficiency curve.

Results are comparable only within one dataset, task, metric, protocol and label fraction (DESIGN.md,
Decisions): a leaderboard is exactly such a group, and only when at least two papers report in it.
Retracted papers leave every board and curve. Lower-is-better metrics (taxonomy `direction: lower`)
rank ascending; equal values share a rank (1, 1, 3). A row whose split or backbone family differs
from its board's usual one (the most common; on a tie, the best-ranked row's) keeps its place and
gets a warning that says how it differs.

Pure functions of the Catalog: the dataset pages, the Benchmarks and Stats pages, the README and the
tests all read the same boards.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from schema import Catalog, Paper, Result
from schema.paper import PROTOCOLS

LabelFraction = float | str | None
MIN_PAPERS = 2  # a board needs this many distinct papers: one paper's own rows rank nothing
MAX_CURVE_SERIES = 12  # lines per label-efficiency chart; more are listed, not drawn

# Backbone text -> family, first match wins: "Swin UNETR" is a Swin, "UNETR" a ViT, "3D U-Net" a U-Net.
_FAMILIES = (
    ("Swin", re.compile(r"swin", re.I)),
    ("ViT", re.compile(r"\bvit|vision transformer|\bdeit|unetr|\bbeit|\beva\b|dinov2", re.I)),
    ("ConvNeXt", re.compile(r"convnext", re.I)),
    ("ResNet", re.compile(r"res-?net|resnext|\bwrn\b|wide-res", re.I)),
    ("DenseNet", re.compile(r"densenet", re.I)),
    ("EfficientNet", re.compile(r"efficientnet", re.I)),
    ("U-Net", re.compile(r"u-?net|nnu", re.I)),
    ("VGG", re.compile(r"vgg", re.I)),
    ("Inception", re.compile(r"inception", re.I)),
)
_NOT_A_SLUG = re.compile(r"[^a-z0-9]+")


def backbone_family(backbone: str | None) -> str | None:
    """'ViT', 'ResNet', 'Swin', 'U-Net', ... for a backbone's text; None when unstated or not recognised."""
    if not backbone:
        return None
    return next((family for family, pattern in _FAMILIES if pattern.search(backbone)), None)


def label_fraction_text(fraction: LabelFraction) -> str:
    """0.01 -> '1%', 1.0 -> '100%', '10 volumes' stays, None -> 'not stated'."""
    if fraction is None:
        return "not stated"
    if isinstance(fraction, str):
        return fraction
    return f"{round(fraction * 100, 6):g}%"


def label_fraction_order(fraction: LabelFraction) -> tuple[int, str, float]:
    """Shares from the fewest labels up, then counts by unit and number, then 'not stated'."""
    if isinstance(fraction, str):
        number, unit = fraction.split(" ", 1)
        return (1, unit, float(number))
    if fraction is None:
        return (2, "", 0.0)
    return (0, "", fraction)


def slug(*parts: str) -> str:
    return "-".join(_NOT_A_SLUG.sub("-", part.casefold()).strip("-") for part in parts if part)


def _fraction_slug(fraction: LabelFraction) -> str:
    if fraction is None:
        return "labels-not-stated"
    return label_fraction_text(fraction).replace("%", "pct")


@dataclass(frozen=True)
class Entry:
    """One result with its paper and its place in the paper's `results` list."""

    paper: Paper
    index: int
    result: Result


@dataclass(frozen=True)
class BoardRow:
    rank: int  # competition ranking: equal values share a rank, the next rank skips
    value: float  # what was ranked: the value on the metric's scale (a printed 0.8225 Dice is 82.25)
    entry: Entry
    family: str | None  # backbone family, when the backbone names one
    warnings: tuple[str, ...]  # how this row differs from most rows of its board

    @property
    def paper(self) -> Paper:
        return self.entry.paper

    @property
    def result(self) -> Result:
        return self.entry.result


@dataclass(frozen=True)
class Leaderboard:
    """Rows of one dataset x task x metric x protocol x label fraction, best first."""

    dataset: str
    task: str
    metric: str
    protocol: str
    label_fraction: LabelFraction
    direction: str  # higher | lower
    unit: str  # '%', 'mm', '' ...
    rows: tuple[BoardRow, ...]

    @property
    def paper_ids(self) -> list[str]:
        return sorted({row.paper.id for row in self.rows})

    @property
    def anchor(self) -> str:
        """The board's id on its dataset page; unique there, since the other four parts are fixed."""
        return "lb-" + slug(self.task, self.metric, self.protocol, _fraction_slug(self.label_fraction))

    @property
    def url(self) -> str:
        """Site-relative address of the board: its dataset page and anchor."""
        return f"{dataset_url(self.dataset)}#{self.anchor}"

    @property
    def label_fraction_text(self) -> str:
        return label_fraction_text(self.label_fraction)

    @property
    def caveats(self) -> list[str]:
        """What makes rows of this board less comparable than its key says."""
        found = []
        splits = sorted({row.result.split for row in self.rows if row.result.split})
        families = sorted({row.family for row in self.rows if row.family})
        if len(splits) > 1:
            found.append("rows differ in split (" + ", ".join(splits) + ")")
        if len(families) > 1:
            found.append("rows differ in backbone family (" + ", ".join(families) + ")")
        return found


def dataset_url(dataset_id: str) -> str:
    return f"datasets/{dataset_id}/"


def _entries(catalog: Catalog) -> Iterable[Entry]:
    """Every result of a paper that is not retracted, on a dataset of catalog/datasets.yaml."""
    for paper in catalog.papers:
        if paper.retracted is not None:
            continue
        for index, result in enumerate(paper.results or ()):
            if result.dataset in catalog.datasets:
                yield Entry(paper, index, result)


def metric_direction(catalog: Catalog, metric: str) -> tuple[str, str]:
    """(direction, unit) of a metric; a metric missing from the taxonomy ranks higher-is-better, unitless."""
    if metric in catalog.taxonomy.ids("metric"):
        term = catalog.taxonomy.term("metric", metric)
        return term.direction or "higher", term.unit or ""
    return "higher", ""


def _most_common(values: list[str | None]) -> str | None:
    """The stated value most rows share; a tie goes to the best-ranked row's (values come best first)."""
    stated = [value for value in values if value]
    if not stated:
        return None
    counts = Counter(stated)
    top = max(counts.values())
    return next(value for value in stated if counts[value] == top)


def comparable_value(result: Result, unit: str) -> float:
    """The value on the metric's own scale (Result.comparable_value), rounded so that 0.8225 and 82.25 tie."""
    return round(result.comparable_value(unit), 9)


def rank_entries(entries: list[Entry], direction: str, unit: str = "") -> list[tuple[int, float, Entry]]:
    """(rank, compared value, entry), best first (ascending for `direction == 'lower'`); values compare on the
    metric's scale; ties share a rank and keep paper-id order."""
    sign = 1 if direction == "lower" else -1
    valued = [(comparable_value(entry.result, unit), entry) for entry in entries]
    valued.sort(key=lambda item: (sign * item[0], item[1].paper.id, item[1].index))
    ranked: list[tuple[int, float, Entry]] = []
    for position, (value, entry) in enumerate(valued, start=1):
        tied = ranked and ranked[-1][1] == value
        ranked.append((ranked[-1][0] if tied else position, value, entry))
    return ranked


def _board(key: tuple[str, str, str, str, LabelFraction], entries: list[Entry], catalog: Catalog) -> Leaderboard:
    dataset, task, metric, protocol, fraction = key
    direction, unit = metric_direction(catalog, metric)
    ranked = rank_entries(entries, direction, unit)
    families = [backbone_family(entry.result.backbone) for _, _, entry in ranked]
    usual_split = _most_common([entry.result.split for _, _, entry in ranked])
    usual_family = _most_common(families)
    rows = []
    for (rank, value, entry), family in zip(ranked, families, strict=True):
        warnings = []
        split = entry.result.split
        if split and usual_split and split != usual_split:
            warnings.append(f"{split} split, not {usual_split}")
        if family and usual_family and family != usual_family:
            warnings.append(f"{family} backbone, not {usual_family}")
        rows.append(BoardRow(rank, value, entry, family, tuple(warnings)))
    return Leaderboard(dataset, task, metric, protocol, fraction, direction, unit, tuple(rows))


class _Order:
    """Sort keys in catalog order: datasets as datasets.yaml lists them, terms as taxonomy.yaml does."""

    def __init__(self, catalog: Catalog) -> None:
        self.dataset = {dataset.id: i for i, dataset in enumerate(catalog.datasets.datasets)}
        self.task = {term: i for i, term in enumerate(catalog.taxonomy.ids("task"))}
        self.metric = {term: i for i, term in enumerate(catalog.taxonomy.ids("metric"))}
        self.protocol = {protocol: i for i, protocol in enumerate(PROTOCOLS)}

    def __call__(self, dataset: str, task: str, metric: str, protocol: str) -> tuple[int, ...]:
        return (
            self.dataset.get(dataset, len(self.dataset)),
            self.task.get(task, len(self.task)),
            self.metric.get(metric, len(self.metric)),
            self.protocol.get(protocol, len(self.protocol)),
        )


def leaderboards(catalog: Catalog) -> list[Leaderboard]:
    """Every board with at least MIN_PAPERS distinct papers, in dataset, task, metric, protocol, labels order."""
    groups: dict[tuple[str, str, str, str, LabelFraction], list[Entry]] = {}
    for entry in _entries(catalog):
        result = entry.result
        key = (result.dataset, result.task, result.metric, result.protocol, result.label_fraction)
        groups.setdefault(key, []).append(entry)
    order = _Order(catalog)
    boards = [
        _board(key, entries, catalog)
        for key, entries in groups.items()
        if len({entry.paper.id for entry in entries}) >= MIN_PAPERS
    ]
    return sorted(
        boards,
        key=lambda b: (*order(b.dataset, b.task, b.metric, b.protocol), label_fraction_order(b.label_fraction)),
    )


@dataclass(frozen=True)
class CurveSeries:
    """One line of a label-efficiency chart: a paper's model row at each label fraction it reports."""

    paper: Paper
    model: str
    backbone: str | None
    split: str | None
    baseline: bool
    points: tuple[tuple[float, float, Result], ...]  # (share or count, value on the metric's scale, result)


@dataclass(frozen=True)
class EfficiencyCurve:
    """Results of one dataset x task x metric x protocol at two or more label fractions of one kind."""

    dataset: str
    task: str
    metric: str
    protocol: str
    axis: str  # 'share' for fractions of the labels, else the unit of a count ('volumes', 'shots')
    direction: str
    unit: str
    x_values: tuple[float, ...]  # every fraction (or count) reported, ascending
    series: tuple[CurveSeries, ...]  # the drawn lines, at most MAX_CURVE_SERIES
    left_out: int  # series not drawn

    @property
    def anchor(self) -> str:
        return "le-" + slug(self.task, self.metric, self.protocol, "" if self.axis == "share" else self.axis)


def _x_of(fraction: LabelFraction) -> tuple[str, float] | None:
    if fraction is None:
        return None
    if isinstance(fraction, str):
        number, unit = fraction.split(" ", 1)
        return unit, float(number)
    return "share", fraction


def label_efficiency(catalog: Catalog) -> list[EfficiencyCurve]:
    """A curve wherever a dataset has results at two or more label fractions (of one kind) under one
    protocol, task and metric; one series per paper, model row, backbone and split."""
    groups: dict[tuple[str, str, str, str, str], dict[tuple[str, str, str, str], list[tuple[float, Entry]]]] = {}
    for entry in _entries(catalog):
        result = entry.result
        x = _x_of(result.label_fraction)
        if x is None:
            continue
        axis, value = x
        key = (result.dataset, result.task, result.metric, result.protocol, axis)
        series_key = (entry.paper.id, result.model, result.backbone or "", result.split or "")
        groups.setdefault(key, {}).setdefault(series_key, []).append((value, entry))
    order = _Order(catalog)
    curves = []
    for (dataset, task, metric, protocol, axis), by_series in groups.items():
        x_values = sorted({value for points in by_series.values() for value, _ in points})
        if len(x_values) < 2:
            continue
        direction, unit = metric_direction(catalog, metric)
        series = []
        for points in by_series.values():
            first_at: dict[float, Entry] = {}
            for value, entry in points:  # the same row twice at one fraction: the first listed counts
                first_at.setdefault(value, entry)
            entry = points[0][1]
            series.append(
                CurveSeries(
                    entry.paper,
                    entry.result.model,
                    entry.result.backbone,
                    entry.result.split,
                    entry.result.baseline,
                    tuple(
                        (value, comparable_value(first_at[value].result, unit), first_at[value].result)
                        for value in sorted(first_at)
                    ),
                )
            )
        # Longest curves first, then by paper and row: what a reader compares first gets drawn.
        series.sort(key=lambda s: (-len(s.points), s.paper.id, s.model, s.backbone or "", s.split or ""))
        shown = series[:MAX_CURVE_SERIES]
        curves.append(
            EfficiencyCurve(
                dataset,
                task,
                metric,
                protocol,
                axis,
                direction,
                unit,
                tuple(x_values),
                tuple(shown),
                len(series) - len(shown),
            )
        )
    return sorted(curves, key=lambda c: (*order(c.dataset, c.task, c.metric, c.protocol), c.axis != "share", c.axis))
