"""The Performance page: the committed benchmark results (bench/results/*.json) as tables and bars, with the
machine and the date they were measured on.

The hook reads the files and passes their parsed JSON; this module checks their shape (a bad file
stops the build with its name and what is wrong), formats the numbers and scales the bars. A
benchmark with no file yet is shown as not measured, with the command that measures it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from site_builder.render.html import html_environment, page_url, relative_url

PERFORMANCE_PATH = "performance.md"
RESULTS_DIR = "bench/results"


@dataclass(frozen=True)
class Benchmark:
    name: str  # bench/<name>.py writes bench/results/<name>.json
    title: str
    measures: str  # one sentence: what is timed, and against which floor
    command: str  # what `make bench` runs for it


BENCHMARKS = (
    Benchmark(
        "catalog_scale",
        "Loading the catalog",
        "Reading, validating and cross-checking synthetic catalogs, then rendering the README, against the floor "
        "of reading every file and parsing it with PyYAML's C loader (CSafeLoader) and nothing else. "
        "Best of the runs.",
        f"python bench/catalog_scale.py --sizes 1000 10000 50000 --repeat 2 --json {RESULTS_DIR}/catalog_scale.json",
    ),
    Benchmark(
        "site_scale",
        "Building the website",
        "mkdocs build --strict of the whole site (paper and listing pages, downloads, search and Browse "
        "indexes) for the bundled catalog and synthetic ones, against the floor of a bare mkdocs-material "
        "build of as many plain pages; then search and Browse timed in Chromium on the largest site.",
        f"python bench/site_scale.py --json {RESULTS_DIR}/site_scale.json",
    ),
    Benchmark(
        "refs_speed",
        "Training the runnable references",
        "Training steps per second and peak memory of each runnable reference's demo configuration, per "
        "device; a step includes making the synthetic batch. There is no floor: each is its own model.",
        f"python bench/refs_speed.py --json {RESULTS_DIR}/refs_speed.json",
    ),
)

# The machine block's keys, as the bench scripts write them, in the order the page lists them.
MACHINE_LABELS = {
    "cpu": "CPU",
    "cpus": "Cores",
    "memory_gib": "Memory",
    "architecture": "Architecture",
    "machine": "Architecture",  # older files
    "os": "System",
    "python": "Python",
    "load_average_1min": "Load average when it started",
    "browser": "Browser",
    "packages": "Packages",
}
# site_scale's browser measurements: key -> what it is.
BROWSER_LABELS = {
    "search_index_fetch_and_parse_ms": "Search index fetched and parsed",
    "search_query_typed_during_page_load_ms": "First search, typed while the page loads, to results on screen",
    "search_query_typed_during_page_load_results_shown": "Results shown for that first search",
    "search_later_queries": "Later searches, query to results on screen",
    "browse_ready_s": "Browse, navigation to a filled table",
    "browse_rows_total": "Papers in Browse's table",
    "browse_keystroke": "Browse, keystroke in the text filter to painted table",
    "browse_keystroke_last_count": "Papers left after typing the filter",
    "browse_facet_tick": "Browse, ticked box to painted table",
}


class BenchmarkFormatError(ValueError):
    """A results file that is not what its bench script writes."""


@dataclass(frozen=True)
class Column:
    heading: str
    numeric: bool = True


@dataclass(frozen=True)
class Table:
    caption: str
    columns: list[Column]
    rows: list[list[str]]


@dataclass(frozen=True)
class Bar:
    label: str
    share: float  # 0..1 of the longest bar in its group
    text: str
    kind: str  # floor | ours: the colour


@dataclass(frozen=True)
class BarGroup:
    label: str
    bars: list[Bar]


@dataclass(frozen=True)
class Results:
    """What one results file says, ready to draw."""

    headline: str | None
    tables: list[Table]
    chart_caption: str
    chart: list[BarGroup]


@dataclass(frozen=True)
class Section:
    """One benchmark as the page shows it; `results` is None when there is no results file yet."""

    benchmark: Benchmark
    script_url: str
    results: Results | None = None
    date: str | None = None  # ISO date it was measured, when the file says
    machine: list[tuple[str, str]] = field(default_factory=list)


class _Reader:
    """Typed access to one results document; every mismatch names the file and the field."""

    def __init__(self, name: str) -> None:
        self.path = f"{RESULTS_DIR}/{name}.json"

    def fail(self, where: str, expected: str, value: object) -> BenchmarkFormatError:
        return BenchmarkFormatError(
            f"{self.path}: {where}: expected {expected}, found {value!r}; rerun `make bench` to rewrite it"
        )

    def mapping(self, value: object, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(where, "an object", value)
        return value

    def rows(self, value: object, where: str) -> list[Mapping[str, Any]]:
        if not isinstance(value, list) or not value:
            raise self.fail(where, "a non-empty list", value)
        return [self.mapping(row, f"{where}[{index}]") for index, row in enumerate(value)]

    def number(self, row: Mapping[str, Any], key: str, where: str) -> float:
        value = row.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{where}.{key}", "a number", value)
        return float(value)

    def text(self, row: Mapping[str, Any], key: str, where: str) -> str:
        value = row.get(key)
        if not isinstance(value, str):
            raise self.fail(f"{where}.{key}", "a string", value)
        return value


def _count(value: float) -> str:
    return f"{int(value):,}"


def _fixed(digits: int) -> Callable[[float], str]:
    return lambda value: f"{value:,.{digits}f}"


def _times(value: float) -> str:
    return f"{value:.2f}×"


def machine_lines(machine: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) for each entry of a machine block: known keys first in a fixed order, then any others."""
    ordered = [key for key in MACHINE_LABELS if key in machine] + sorted(set(machine) - set(MACHINE_LABELS))
    lines = []
    for key in ordered:
        value = machine[key]
        if value is None:
            continue
        if isinstance(value, Mapping):
            shown = ", ".join(f"{name} {version}" for name, version in sorted(value.items()))
        elif key == "memory_gib":
            shown = f"{value} GiB"
        else:
            shown = str(value)
        lines.append((MACHINE_LABELS.get(key, key), shown))
    return lines


def _ratio_range(ratios: list[float]) -> str:
    low, high = min(ratios), max(ratios)
    return _times(low) if low == high else f"{_times(low)} to {_times(high)}"


def _floor_chart(
    groups: list[tuple[str, float, float, float]], ours: str, seconds: Callable[[float], str]
) -> list[BarGroup]:
    """Per group (label, floor, ours, ratio): two bars, scaled to the longer of the two so the ratio shows."""
    chart = []
    for label, floor_s, ours_s, ratio in groups:
        longest = max(floor_s, ours_s) or 1.0
        chart.append(
            BarGroup(
                label,
                [
                    Bar("floor", floor_s / longest, f"{seconds(floor_s)} s", "floor"),
                    Bar(ours, ours_s / longest, f"{seconds(ours_s)} s ({_times(ratio)})", "ours"),
                ],
            )
        )
    return chart


def catalog_scale_results(read: _Reader, document: Mapping[str, Any]) -> Results:
    rows = read.rows(document.get("rows"), "rows")
    seconds = _fixed(3)
    table_rows, groups, ratios = [], [], []
    for index, row in enumerate(rows):
        where = f"rows[{index}]"
        papers, floor_s, ours_s = (read.number(row, key, where) for key in ("papers", "floor_s", "medssl_s"))
        ratio = read.number(row, "ratio", where)
        ratios.append(ratio)
        table_rows.append([_count(papers), seconds(floor_s), seconds(ours_s), _times(ratio)])
        groups.append((f"{_count(papers)} papers", floor_s, ours_s, ratio))
    repeat = document.get("repeat")
    table = Table(
        "Seconds for one whole catalog"
        + (f", best of {repeat} runs" if isinstance(repeat, int) and repeat > 1 else ""),
        [Column("Papers"), Column("Floor (s)"), Column("Load + validate + README (s)"), Column("Ratio to floor")],
        table_rows,
    )
    return Results(
        headline=f"Loading takes {_ratio_range(ratios)} the floor.",
        tables=[table],
        chart_caption="Floor and the project's load, per catalog size; the bars of one size are drawn to the same "
        "scale, so their lengths show the ratio.",
        chart=_floor_chart(groups, "load + validate + README", seconds),
    )


def site_scale_results(read: _Reader, document: Mapping[str, Any]) -> Results:
    builds = read.rows(document.get("builds"), "builds")
    seconds = _fixed(2)
    times, sizes, groups, ratios = [], [], [], []
    for index, build in enumerate(builds):
        where = f"builds[{index}]"
        catalog = read.text(build, "catalog", where)
        papers, pages = read.number(build, "papers", where), read.number(build, "pages", where)
        build_s, floor_s, ratio = (read.number(build, key, where) for key in ("build_s", "floor_s", "ratio"))
        peak_mb, site_mb, search_mb, browse_mb = (
            read.number(build, key, where) for key in ("peak_rss_mb", "site_mb", "search_index_mb", "browse_index_mb")
        )
        ratios.append(ratio)
        times.append([catalog, _count(papers), _count(pages), seconds(build_s), seconds(floor_s), _times(ratio)])
        sizes.append(
            [catalog, _count(papers), _count(peak_mb), _fixed(1)(site_mb), _fixed(2)(search_mb), _fixed(2)(browse_mb)]
        )
        groups.append((f"{catalog}, {_count(papers)} papers", floor_s, build_s, ratio))
    tables = [
        Table(
            "mkdocs build --strict, one run per catalog",
            [
                Column("Catalog", numeric=False),
                Column("Papers"),
                Column("Pages"),
                Column("Build (s)"),
                Column("Floor (s)"),
                Column("Ratio to floor"),
            ],
            times,
        ),
        Table(
            "What the build needs and writes",
            [
                Column("Catalog", numeric=False),
                Column("Papers"),
                Column("Peak memory (MB)"),
                Column("Site (MB)"),
                Column("Search index (MB)"),
                Column("Browse index (MB)"),
            ],
            sizes,
        ),
    ]
    browser = document.get("browser")
    if browser is not None:
        tables.append(
            browser_table(
                read, read.mapping(browser, "browser"), _count(read.number(builds[-1], "papers", "builds[-1]"))
            )
        )
    return Results(
        headline=f"A build takes {_ratio_range(ratios)} a bare mkdocs build of as many pages.",
        tables=tables,
        chart_caption="Floor and the site's build, per catalog; the bars of one catalog are drawn to the same scale.",
        chart=_floor_chart(groups, "site build", seconds),
    )


def browser_table(read: _Reader, browser: Mapping[str, Any], papers: str) -> Table:
    rows = []
    for key in [*(k for k in BROWSER_LABELS if k in browser), *sorted(set(browser) - set(BROWSER_LABELS))]:
        value = browser[key]
        if isinstance(value, Mapping):
            median, most = (
                read.number(value, "median_ms", f"browser.{key}"),
                read.number(value, "max_ms", f"browser.{key}"),
            )
            shown = f"median {median:,.1f} ms, max {most:,.1f} ms"
        elif key.endswith("_ms"):
            shown = f"{read.number(browser, key, 'browser'):,.1f} ms"
        elif key.endswith("_s"):
            shown = f"{read.number(browser, key, 'browser'):,.2f} s"
        else:
            shown = _count(read.number(browser, key, "browser"))
        rows.append([BROWSER_LABELS.get(key, key), shown])
    return Table(
        f"In Chromium (headless), on the {papers}-paper site",
        [Column("Measurement", numeric=False), Column("Time or count")],
        rows,
    )


def refs_speed_results(read: _Reader, document: Mapping[str, Any]) -> Results:
    rows = read.rows(document.get("rows"), "rows")
    # Newer files add each run's median step rate, steadier than the mean on a shared machine.
    medians = any("median_steps_per_second" in row for row in rows)
    cuda = any(isinstance(row.get("cuda_peak_mib"), int | float) for row in rows)  # only on a GPU machine
    columns = [
        Column("Reference", numeric=False),
        Column("Device", numeric=False),
        Column("Batch × input", numeric=False),
        Column("Parameters"),
        Column("Steps/s (median)" if medians else "Steps/s"),
        Column("Peak RSS (MiB)"),
        *([Column("CUDA peak (MiB)")] if cuda else []),
    ]
    table_rows: list[list[str]] = []
    by_device: dict[str, list[tuple[str, float]]] = {}
    for index, row in enumerate(rows):
        where = f"rows[{index}]"
        name, device = read.text(row, "name", where), read.text(row, "device", where)
        if "error" in row:
            table_rows.append([name, device, f"failed: {row['error']}", *[""] * (len(columns) - 3)])
            continue
        steps = read.number(row, "steps_per_second", where)
        median = row.get("median_steps_per_second")
        median_text = f" ({median:,.2f})" if isinstance(median, int | float) else ""
        shape = row.get("input_shape")
        cuda_mib = row.get("cuda_peak_mib")
        batch = _count(read.number(row, "batch_size", where))
        table_rows.append(
            [
                name,
                device,
                f"{batch} × {'×'.join(str(side) for side in shape)}" if isinstance(shape, list) else batch,
                f"{read.number(row, 'parameters', where) / 1e3:,.0f}k",
                f"{steps:,.2f}{median_text}",
                _count(read.number(row, "peak_rss_mib", where)),
                *([_count(cuda_mib) if isinstance(cuda_mib, int | float) else "–"] if cuda else []),
            ]
        )
        by_device.setdefault(device, []).append((name, steps))
    table = Table("Demo configurations, timed steps after warm-up", columns, table_rows)
    chart = []
    for device, speeds in by_device.items():
        fastest = max(steps for _, steps in speeds) or 1.0
        chart.append(
            BarGroup(device, [Bar(name, steps / fastest, f"{steps:,.2f} steps/s", "ours") for name, steps in speeds])
        )
    return Results(
        headline=None,
        tables=[table],
        chart_caption="Training steps per second, per device; longer is faster.",
        chart=chart,
    )


READERS: dict[str, Callable[[_Reader, Mapping[str, Any]], Results]] = {
    "catalog_scale": catalog_scale_results,
    "site_scale": site_scale_results,
    "refs_speed": refs_speed_results,
}


def performance_sections(results: Mapping[str, object], repository_url: str) -> list[Section]:
    """One section per benchmark, in BENCHMARKS order; `results`: benchmark name -> its parsed JSON, if measured."""
    sections = []
    for benchmark in BENCHMARKS:
        script_url = f"{repository_url.rstrip('/')}/blob/main/bench/{benchmark.name}.py"
        if benchmark.name not in results:
            sections.append(Section(benchmark, script_url))
            continue
        read = _Reader(benchmark.name)
        document = results[benchmark.name]
        document = read.mapping(document, "the file")
        machine = document.get("machine")
        date = document.get("measured")
        sections.append(
            Section(
                benchmark,
                script_url,
                READERS[benchmark.name](read, document),
                date if isinstance(date, str) else None,
                machine_lines(read.mapping(machine, "machine")) if machine is not None else [],
            )
        )
    return sections


def render_performance_page(results: Mapping[str, object], repository_url: str) -> str:
    here = page_url(PERFORMANCE_PATH)
    return (
        html_environment()
        .get_template("site_performance.md.j2")
        .render(
            sections=performance_sections(results, repository_url),
            results_dir=RESULTS_DIR,
            link=lambda url: relative_url(here, url),
        )
    )
