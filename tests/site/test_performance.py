"""The Performance page: benchmark results (bench/results/*.json) as tables, floor ratios, bars, machine and date."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from site_builder.mkdocs_hooks import load_benchmark_results
from site_builder.render.performance import (
    BENCHMARKS,
    BenchmarkFormatError,
    performance_sections,
    render_performance_page,
)
from tests.conftest import REPO
from tests.site.conftest import FIXTURE_CATALOG_SCALE

REPOSITORY = "https://github.com/example/catalog"
# As bench/site_scale.py writes it (browser block from measure_in_browser).
SITE_SCALE = {
    "benchmark": "site_scale",
    "measured": "2026-11-22",
    "machine": {"cpu": "Example CPU", "cpus": 2, "browser": "Chromium 156.0.8078.79"},
    "builds": [
        {
            "catalog": "bundled",
            "papers": 240,
            "build_s": 2.5,
            "peak_rss_mb": 71,
            "site_mb": 13.5,
            "pages": 305,
            "search_index_mb": 0.24,
            "browse_index_mb": 0.11,
            "floor_s": 1.0,
            "ratio": 2.5,
        },
        {
            "catalog": "synthetic",
            "papers": 10000,
            "build_s": 60.0,
            "peak_rss_mb": 900,
            "site_mb": 400.0,
            "pages": 10070,
            "search_index_mb": 7.9,
            "browse_index_mb": 3.6,
            "floor_s": 30.0,
            "ratio": 2.0,
        },
    ],
    "browser": {
        "search_index_fetch_and_parse_ms": 120.5,
        "search_query_typed_during_page_load_ms": 300.0,
        "search_query_typed_during_page_load_results_shown": 10,
        "search_later_queries": {"median_ms": 20.0, "max_ms": 31.5},
        "browse_ready_s": 1.25,
        "browse_rows_total": 10000,
        "browse_keystroke": {"median_ms": 16.7, "max_ms": 40.0},
        "browse_keystroke_last_count": 11,
        "browse_facet_tick": {"median_ms": 18.0, "max_ms": 22.0},
    },
}
# Rows as bench/refs_speed.py writes them, one that failed; this fixture has no date or machine.
REFS_SPEED_ROWS = [
    {
        "name": "mae",
        "device": "cpu",
        "preset": "default",
        "input_shape": [1, 64, 64],
        "batch_size": 16,
        "parameters": 1_250_000,
        "steps": 10,
        "steps_per_second": 4.0,
        "final_loss": 0.5,
        "peak_rss_mib": 700.4,
        "train_rss_growth_mib": 80.0,
        "cuda_peak_mib": None,
        "threads": 2,
    },
    {
        "name": "dino",
        "device": "cpu",
        "preset": "default",
        "input_shape": [1, 64, 64],
        "batch_size": 16,
        "parameters": 2_000_000,
        "steps": 10,
        "steps_per_second": 2.0,
        "final_loss": 4.1,
        "peak_rss_mib": 800.0,
        "train_rss_growth_mib": 90.0,
        "cuda_peak_mib": None,
        "threads": 2,
    },
    {"name": "vox2vec", "device": "cpu", "error": "RuntimeError: out of memory"},
]
REFS_SPEED = {"rows": REFS_SPEED_ROWS}
ALL = {"catalog_scale": FIXTURE_CATALOG_SCALE, "site_scale": SITE_SCALE, "refs_speed": REFS_SPEED}


def bench_section(page: str, name: str) -> str:
    """One benchmark's part of the page: from its element to the next heading."""
    return re.search(rf'<div class="medssl-bench" id="bench-{name}"(.*?)(?=<h2 |\Z)', page, re.S).group(1)


def table_rows(html: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(<td.*?)</tr>", html)
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in rows]


def bar_shares(html: str) -> list[tuple[str, float, str]]:
    """(label, share, text) of each bar, in order."""
    pattern = (
        r'<span class="medssl-bars__name">(.*?)</span><span class="medssl-bar[^"]*">'
        r'<span class="medssl-bar__fill" style="--medssl-share: ([\d.]+)"></span>'
        r'<span class="medssl-bar__text">(.*?)</span>'
    )
    return [(label, float(share), text) for label, share, text in re.findall(pattern, html)]


@pytest.fixture(scope="module")
def page() -> str:
    return render_performance_page(ALL, REPOSITORY)


def test__the_catalog_benchmark_shows_its_rows_ratios_and_bars(page):
    catalog = bench_section(page, "catalog_scale")
    assert table_rows(catalog) == [["1,000", "0.100", "0.300", "3.00×"], ["10,000", "0.800", "2.000", "2.50×"]]
    assert "Loading takes 2.50× to 3.00× the floor." in catalog
    assert "Seconds for one whole catalog, best of 2 runs" in catalog
    # Each size's bars share one scale, so the floor's length is 1/ratio of the project's.
    assert bar_shares(catalog) == [
        ("floor", 0.3333, "0.100 s"),
        ("load + validate + README", 1.0, "0.300 s (3.00×)"),
        ("floor", 0.4, "0.800 s"),
        ("load + validate + README", 1.0, "2.000 s (2.50×)"),
    ]


def test__the_machine_and_date_are_stated_and_escaped(page):
    catalog = bench_section(page, "catalog_scale")
    assert 'Measured on <time datetime="2026-11-21">2026-11-21</time>.' in catalog
    machine = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", catalog))
    assert machine == {
        "CPU": "Example CPU &lt;b&gt;9000&lt;/b&gt;",
        "Cores": "2",
        "Memory": "23.5 GiB",
        "Architecture": "x86_64",
        "System": "Linux-6.1-x86_64",
        "Python": "3.11.7",
        "Load average when it started": "1.5",
        "Packages": "PyYAML 6.0.3, pydantic 2.14.3",
    }


def test__the_site_benchmark_shows_builds_against_their_floor_and_the_browser_timings(page):
    site = bench_section(page, "site_scale")
    rows = table_rows(site)
    assert rows[:2] == [
        ["bundled", "240", "305", "2.50", "1.00", "2.50×"],
        ["synthetic", "10,000", "10,070", "60.00", "30.00", "2.00×"],
    ]
    assert rows[2:4] == [
        ["bundled", "240", "71", "13.5", "0.24", "0.11"],
        ["synthetic", "10,000", "900", "400.0", "7.90", "3.60"],
    ]
    assert "A build takes 2.00× to 2.50× a bare mkdocs build of as many pages." in site
    assert "In Chromium (headless), on the 10,000-paper site" in site
    browser = dict(row for row in rows[4:])
    assert browser["Later searches, query to results on screen"] == "median 20.0 ms, max 31.5 ms"
    assert browser["Browse, navigation to a filled table"] == "1.25 s"
    assert browser["Papers in Browse&#39;s table"] == "10,000"
    assert [share for _, share, _ in bar_shares(site)] == [0.4, 1.0, 0.5, 1.0]


def test__the_references_benchmark_shows_failures_and_says_what_the_file_lacks(page):
    refs = bench_section(page, "refs_speed")
    rows = table_rows(refs)
    assert rows[0] == ["mae", "cpu", "16 × 1×64×64", "1,250k", "4.00", "700"]  # no CUDA column on a CPU run
    assert rows[2][:3] == ["vox2vec", "cpu", "failed: RuntimeError: out of memory"]
    assert bar_shares(refs) == [("mae", 1.0, "4.00 steps/s"), ("dino", 0.5, "2.00 steps/s")]
    assert "on a date the file does not record, on a machine it does not describe" in refs


def test__references_in_an_object_with_machine_median_rates_and_cuda_show_them_all():
    cuda = {**REFS_SPEED_ROWS[0], "device": "cuda:0", "steps_per_second": 40.0, "cuda_peak_mib": 512.3}
    rows = [{**REFS_SPEED_ROWS[0], "median_steps_per_second": 4.5}, cuda, REFS_SPEED_ROWS[2]]
    document = {"measured": "2026-11-22", "machine": {"cpus": 2, "packages": {"torch": "2.13.0"}}, "rows": rows}
    refs = bench_section(render_performance_page({"refs_speed": document}, REPOSITORY), "refs_speed")
    assert '<th class="medssl-number">Steps/s (median)</th>' in refs
    assert table_rows(refs) == [
        ["mae", "cpu", "16 × 1×64×64", "1,250k", "4.00 (4.50)", "700", "–"],
        ["mae", "cuda:0", "16 × 1×64×64", "1,250k", "40.00", "700", "512"],
        ["vox2vec", "cpu", "failed: RuntimeError: out of memory", "", "", "", ""],
    ]
    assert re.findall(r"<p class=\"medssl-bars__label\">(.*?)</p>", refs) == ["cpu", "cuda:0"]
    assert dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", refs)) == {"Cores": "2", "Packages": "torch 2.13.0"}
    assert 'Measured on <time datetime="2026-11-22">' in refs


def test__an_unmeasured_benchmark_says_so_and_how_to_measure_it():
    page = render_performance_page({"catalog_scale": FIXTURE_CATALOG_SCALE}, REPOSITORY)
    assert 'id="bench-catalog_scale" data-measured="yes"' in page
    for benchmark in BENCHMARKS[1:]:
        section = bench_section(page, benchmark.name)
        assert section.startswith(' data-measured="no"')
        assert "<strong>Not measured yet.</strong>" in section and f"<code>{benchmark.command}</code>" in section
    assert page == render_performance_page({"catalog_scale": FIXTURE_CATALOG_SCALE}, REPOSITORY)  # byte-stable


@pytest.mark.parametrize(
    ("results", "message"),
    [
        (
            {"catalog_scale": {"rows": [{"papers": 1000, "floor_s": "fast", "medssl_s": 1.0, "ratio": 2.0}]}},
            "bench/results/catalog_scale.json: rows[0].floor_s: expected a number, found 'fast'",
        ),
        ({"site_scale": {"builds": []}}, "bench/results/site_scale.json: builds: expected a non-empty list, found []"),
        ({"site_scale": "oops"}, "bench/results/site_scale.json: the file: expected an object, found 'oops'"),
        (
            {"refs_speed": {"rows": [{"device": "cpu"}]}},
            "bench/results/refs_speed.json: rows[0].name: expected a string",
        ),
    ],
)
def test__a_malformed_result_names_the_file_and_the_field(results, message):
    with pytest.raises(BenchmarkFormatError) as raised:
        render_performance_page(results, REPOSITORY)
    assert str(raised.value).startswith(message)
    assert str(raised.value).endswith("rerun `make bench` to rewrite it")


def test__what_the_catalog_benchmark_writes_is_what_the_page_reads(tmp_path):
    output = tmp_path / "catalog_scale.json"
    command = [sys.executable, str(REPO / "bench" / "catalog_scale.py"), "--sizes", "20", "--repeat", "1"]
    subprocess.run([*command, "--json", str(output)], check=True, capture_output=True, cwd=tmp_path)
    document = json.loads(output.read_text())
    [section, *_] = performance_sections({"catalog_scale": document}, REPOSITORY)
    assert section.results is not None and re.fullmatch(r"\d{4}-\d\d-\d\d", section.date or "")
    assert (
        table_rows(bench_section(render_performance_page({"catalog_scale": document}, REPOSITORY), "catalog_scale"))[0][
            0
        ]
        == "20"
    )
    labels = [label for label, _ in section.machine]
    assert labels[:3] == ["CPU", "Cores", "Memory"] and "Packages" in labels


def test__the_committed_results_render():
    results = load_benchmark_results(REPO)
    assert {"catalog_scale", "site_scale", "refs_speed"} <= set(results), (
        "`make bench` writes bench/results/; commit them"
    )
    for section in performance_sections(results, REPOSITORY):
        assert (section.results is not None) == (section.benchmark.name in results)
    # Every script records when and where it ran (bench/machine.py).
    dated = {section.benchmark.name for section in performance_sections(results, REPOSITORY) if section.date}
    described = {section.benchmark.name for section in performance_sections(results, REPOSITORY) if section.machine}
    assert {"catalog_scale", "site_scale", "refs_speed"} <= dated & described
