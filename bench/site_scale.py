"""How the website scales: builds for the bundled catalog and synthetic ones of 1,000 and 10,000 papers.

The synthetic papers carry result rows on a few synthetic datasets (catalog/datasets.yaml), at three
label fractions under two protocols, so the dataset pages get leaderboards of hundreds of rows and
label-efficiency charts, as a large real catalog would.

For each catalog it runs `mkdocs build --strict` (pages, downloads and the search and Browse indexes),
and prints the build's wall time and peak memory, the site's size, the search index's size and the
Browse index's size, next to the floor: a bare mkdocs-material build of as many plain pages (a title
and a paragraph each, out of the nav, as the project's paper pages are). On the largest site it then
opens Debian's Chromium (headless, served by `python -m http.server` on 127.0.0.1) and measures, in
the page's own clock:

- search: from the query landing in the header search box to the results on screen, for a query
  typed at once after the page loads (the search index still loading) and for later ones;
- Browse: from one keystroke (or one ticked box) in the filters to the next painted frame with the
  updated table.

Usage:  python bench/site_scale.py [--sizes 1000 10000] [--no-browser] [--json PATH] [--keep DIR]

With --json it also writes the rows, the date and the machine (the site's Performance page shows them).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "bench"), str(REPO)]

from machine import machine_info, measured_on  # noqa: E402  (bench/ is not a package)

from site_builder.catalog.write import write_atomic  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SEARCH_QUERIES = ["contrastive", "Author4242", "segmentation BTCV", "synthetic study 9876", "pretraining", "genesis"]
BROWSE_TYPING = "author77 two"  # typed one character at a time into Browse's text filter

# In the page: put `term` in the header search box and wait until its results are drawn and painted.
SEARCH_SCRIPT = """async (term) => {
  const box = document.querySelector('[data-medssl-search]');
  const input = document.getElementById('medssl-search-input');
  const done = new Promise(resolve => new MutationObserver((changes, observer) => {
    if (box.dataset.state === 'ready') { observer.disconnect(); resolve(); }
  }).observe(box, {attributes: true, attributeFilter: ['data-state']}));
  const start = performance.now();
  input.focus();
  input.value = term;
  input.dispatchEvent(new Event('input', {bubbles: true}));
  await done;
  await new Promise(resolve => requestAnimationFrame(() => setTimeout(resolve, 0)));
  return [performance.now() - start, document.querySelectorAll('.md-search-result__item').length];
}"""
# In the page: one change to a Browse control, then the next painted frame.
BROWSE_SCRIPT = """async ([selector, value]) => {
  const control = document.querySelector(selector);
  const start = performance.now();
  if (control.type === 'checkbox') control.checked = !control.checked; else control.value = value;
  control.dispatchEvent(new Event('input', {bubbles: true}));
  await new Promise(resolve => requestAnimationFrame(() => setTimeout(resolve, 0)));
  return [performance.now() - start, Number(document.getElementById('medssl-count').dataset.count),
          document.querySelectorAll('#medssl-rows tr').length];
}"""


MODALITIES = ["CT", "MRI", "X-ray", "histopathology", "ultrasound", "fundus", "OCT", "PET"]
TASKS = ["classification", "segmentation", "detection", "registration", "denoising"]
METHODS = ["contrastive", "generative", "predictive", "masked-image-modelling", "self-distillation"]
VENUES = ["MICCAI", "MedIA", "TMI", "ISBI", "NeurIPS", "CVPR", "arXiv"]
# Synthetic datasets: id, modality, task and the metrics papers report on it.
DATASETS = [
    ("synth-abdomen-ct", "CT", "segmentation", ["Dice", "HD95"]),
    ("synth-brain-mri", "MRI", "segmentation", ["Dice"]),
    ("synth-chest-xray", "X-ray", "classification", ["AUC"]),
    ("synth-pathology", "histopathology", "classification", ["ACC", "AUC"]),
    ("synth-fundus", "fundus", "classification", ["AUC"]),
    ("synth-echo", "ultrasound", "segmentation", ["Dice"]),
]
BACKBONES = ["ViT-B/16", "ResNet-50", "Swin-B", "3D U-Net"]
LICENCES = ["MIT", "Apache-2.0", "CC-BY-NC-4.0", None]


def datasets_yaml() -> str:
    lines = ["datasets:"]
    for dataset_id, modality, task, _ in DATASETS:
        lines += [
            f"  - id: {dataset_id}",
            f"    name: {dataset_id.replace('-', ' ').title()}",
            f"    modality: [{modality}]",
            f"    tasks: [{task}]",
            "    size: {count: 1000, unit: images}",
            "    license: CC-BY-4.0",
            "    access: open",
            f"    url: https://example.org/datasets/{dataset_id}",
            "    description: A synthetic dataset that exists only to measure how the site scales.",
            "    kind: both",
        ]
    return "\n".join(lines) + "\n"


def synthetic_result(rng: random.Random) -> str:
    dataset_id, _, task, metrics = rng.choice(DATASETS)
    metric = rng.choice(metrics)
    value = round(rng.uniform(2, 20), 2) if metric == "HD95" else round(rng.uniform(60, 95), 2)
    fraction = rng.choice([0.01, 0.1, 1.0])
    protocol = rng.choice(["fine-tune", "linear-probe"])
    return (
        f"  - {{dataset: {dataset_id}, task: {task}, metric: {metric}, value: {value}, printed: '{value}', "
        f"label_fraction: {fraction}, protocol: {protocol}, model: Ours, backbone: {rng.choice(BACKBONES)}, "
        "where: Table 2}\n"
    )


def synthetic_paper(index: int, rng: random.Random) -> str:
    """A realistic entry (~30 lines): every common field, a summary, weights and two results."""
    dataset_ids = [dataset[0] for dataset in DATASETS]
    licence = rng.choice(LICENCES)
    text = (
        f'title: "Synthetic study {index}: {rng.choice(METHODS)} pretraining for {rng.choice(TASKS)}"\n'
        f"authors: [Author{index} One, Author{index} Two, Author{index} Three]\n"
        f"year: {rng.randint(2017, 2025)}\n"
        f"month: {rng.randint(1, 12)}\n"
        f"venue: {rng.choice(VENUES)}\n"
        f"modality: [{', '.join(rng.sample(MODALITIES, 2))}]\n"
        f"task: [{', '.join(rng.sample(TASKS, 2))}]\n"
        f"method: [{rng.choice(METHODS)}]\n"
        "dimension: [3D]\n"
        f'arxiv: "2{rng.randint(100, 512):03d}.{index:05d}"\n'
        "links:\n"
        f"  paper: https://example.org/papers/{index}\n"
        f"  code: https://github.com/example/repo{index}\n"
        f"pretraining_data: [{rng.choice(dataset_ids)}]\n"
        "summary: >-\n"
        "  A network learns from unlabelled scans by solving a pretext task, then is fine-tuned\n"
        "  with few labels; this entry exists only to measure how the catalog tools scale.\n"
        "results:\n" + synthetic_result(rng) + synthetic_result(rng)
    )
    if index % 3 == 0:
        text += f"weights:\n  - {{url: https://huggingface.co/example/model{index}, host: huggingface"
        text += f", license: {licence}}}\n" if licence else "}\n"
    if index % 997 == 1:
        text += f"retracted: {{date: 2025-01-01, notice: https://example.org/retractions/{index}}}\n"
    return text + f"added: 2026-11-21\nchecked: 2026-11-21\nsources: [https://example.org/papers/{index}]\n"


def make_catalog(root: Path, size: int) -> Path:
    catalog = root / "catalog"
    (catalog / "papers").mkdir(parents=True)
    shutil.copy(REPO / "catalog" / "taxonomy.yaml", catalog / "taxonomy.yaml")
    (catalog / "datasets.yaml").write_text(datasets_yaml())
    rng = random.Random(size)
    for index in range(size):
        (catalog / "papers" / f"synthetic{index:05d}.yaml").write_text(synthetic_paper(index, rng))
    return catalog


def directory_size(path: Path) -> int:
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file())


def build(root: Path, output: Path) -> dict[str, float | int]:
    """`mkdocs build --strict` of the project's site on root/catalog; time, memory and sizes."""
    environment = {**os.environ, "MEDSSL_ROOT": str(root), "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(REPO / "mkdocs.yml")]
    start = time.perf_counter()
    completed = subprocess.run([*command, "-d", str(output)], env=environment, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if completed.returncode != 0:
        raise SystemExit(f"build failed:\n{completed.stdout}{completed.stderr}")
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far
    return {
        "build_s": round(seconds, 2),
        "peak_rss_mb": round(peak_kib / 1024),
        "site_mb": round(directory_size(output) / 1e6, 1),
        "pages": sum(1 for _ in output.rglob("index.html")),
        "search_index_mb": round((output / "assets" / "medssl" / "search-index.json").stat().st_size / 1e6, 2),
        "browse_index_mb": round((output / "assets" / "medssl" / "browse-index.json").stat().st_size / 1e6, 2),
        "leaderboard_rows": leaderboard_rows(output),
    }


def leaderboard_rows(site: Path) -> int:
    """Ranked rows on the dataset pages: shows that the build had leaderboards to draw."""
    pages = (site / "datasets").glob("*/index.html")
    return sum(page.read_text(encoding="utf-8").count("<tr data-rank=") for page in pages)


PLAIN_MKDOCS = """site_name: floor
theme: {name: material, font: false}
plugins: [search]
nav: [Home: index.md]
"""


def floor_build(workspace: Path, pages: int) -> float:
    """Seconds for a bare mkdocs-material build of `pages` plain pages: what any site of that size costs."""
    root = workspace / f"floor-{pages}"
    (root / "docs" / "p").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(PLAIN_MKDOCS)
    (root / "docs" / "index.md").write_text("# Home\n")
    for index in range(pages):
        (root / "docs" / "p" / f"{index}.md").write_text(f"# Page {index}\n\nA paragraph of plain text {index}.\n")
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(root / "mkdocs.yml"), "-d", str(root / "site")],
        env=environment,
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - start
    shutil.rmtree(root)
    return round(seconds, 2)


class Server:
    """`python -m http.server` for a built site on a free port of 127.0.0.1."""

    def __init__(self, directory: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(self.port), "--bind", "127.0.0.1", "--directory", str(directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}/"

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *_: object) -> None:
        self.process.terminate()
        self.process.wait()


def chromium_version() -> str:
    """E.g. 'Chromium 156.0.8078.79'; Debian's launcher adds a line about the build, which is left out."""
    completed = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, check=False)
    return completed.stdout.strip().split(" built on ")[0] or "unknown"


def summary(values: list[float]) -> dict[str, float]:
    return {"median_ms": round(statistics.median(values), 1), "max_ms": round(max(values), 1)}


INDEX_LOAD_SCRIPT = """async (url) => {
  const start = performance.now();
  await (await fetch(url, {cache: 'no-store'})).json();
  return performance.now() - start;
}"""


def measure_in_browser(site: Path) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with Server(site) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        # Search. A fresh context has an empty cache: a query typed as soon as the box exists waits
        # for the index to arrive; later queries are answered from the loaded index.
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(server.url, wait_until="commit")
        page.wait_for_selector("[data-medssl-search]", state="attached")
        first, hits = page.evaluate(SEARCH_SCRIPT, SEARCH_QUERIES[0])
        later = [page.evaluate(SEARCH_SCRIPT, query)[0] for query in SEARCH_QUERIES[1:]]
        index_load = page.evaluate(INDEX_LOAD_SCRIPT, f"{server.url}assets/medssl/search-index.json")
        context.close()

        # Browse: from navigation to a filled table, then single changes to the filters.
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        start = time.perf_counter()
        page.goto(f"{server.url}browse/")
        page.wait_for_selector("#medssl-browse[data-state=ready]")
        browse_ready_s = time.perf_counter() - start
        keystrokes = [
            page.evaluate(BROWSE_SCRIPT, ["#medssl-q", BROWSE_TYPING[:length]])
            for length in range(1, len(BROWSE_TYPING) + 1)
        ]
        page.evaluate(BROWSE_SCRIPT, ["#medssl-q", ""])
        ticks = [
            page.evaluate(BROWSE_SCRIPT, [f'#medssl-facets input[name="{facet}"]', None])
            for facet in ("modality", "task", "method", "dimension", "venue")
        ]
        browser.close()
    return {
        "search_index_fetch_and_parse_ms": round(index_load, 1),
        "search_query_typed_during_page_load_ms": round(first, 1),
        "search_query_typed_during_page_load_results_shown": hits,
        "search_later_queries": summary(later),
        "browse_ready_s": round(browse_ready_s, 2),
        "browse_rows_total": keystrokes[0][1],
        "browse_keystroke": summary([milliseconds for milliseconds, _, _ in keystrokes]),
        "browse_keystroke_last_count": keystrokes[-1][1],
        "browse_facet_tick": summary([milliseconds for milliseconds, _, _ in ticks]),
    }


def report(browser: dict[str, Any], papers: int) -> None:
    later, keystroke, tick = browser["search_later_queries"], browser["browse_keystroke"], browser["browse_facet_tick"]
    print(f"\nIn Chromium, on the {papers}-paper site:")
    print(f"  search index: fetched and parsed in {browser['search_index_fetch_and_parse_ms']} ms")
    print(
        f"  search, the first query, typed as soon as the page shows: "
        f"{browser['search_query_typed_during_page_load_ms']} ms to results on screen"
    )
    print(
        f"  search, later queries ({len(SEARCH_QUERIES) - 1}): median {later['median_ms']} ms, max {later['max_ms']} ms"
    )
    print(
        f"  Browse: {browser['browse_ready_s']} s from navigation to a filled table "
        f"({browser['browse_rows_total']} papers)"
    )
    print(
        f"  Browse, keystroke to painted table: median {keystroke['median_ms']} ms, max {keystroke['max_ms']} ms "
        f"over {len(BROWSE_TYPING)} keystrokes"
    )
    print(f"  Browse, ticked box to painted table: median {tick['median_ms']} ms, max {tick['max_ms']} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="synthetic catalog sizes")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium measurements")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", type=Path, help="keep the built sites under this folder")
    args = parser.parse_args()

    machine = machine_info(("mkdocs", "mkdocs-material", "Jinja2", "playwright"))  # before the builds load it
    if not args.no_browser and Path(CHROMIUM).exists():
        machine["browser"] = chromium_version()
    workspace = Path(tempfile.mkdtemp(prefix="medssl-site-scale-"))
    rows = []
    try:
        print(
            f"{'catalog':>10} {'papers':>7} {'build s':>8} {'floor s':>8} {'ratio':>6} {'peak MB':>8} {'site MB':>8} "
            f"{'pages':>7} {'search index MB':>16} {'browse index MB':>16} {'ranked rows':>12}"
        )
        catalogs = [("bundled", REPO, None)] + [("synthetic", workspace / f"c{size}", size) for size in args.sizes]
        largest_site = None
        for name, root, size in catalogs:
            if size is not None:
                make_catalog(root, size)
            papers = len(list((root / "catalog" / "papers").glob("*.yaml")))
            output = workspace / f"site-{name}-{papers}"
            row: dict[str, Any] = {"catalog": name, "papers": papers, **build(root, output)}
            row["floor_s"] = floor_build(workspace, int(row["pages"]))
            row["ratio"] = round(float(row["build_s"]) / float(row["floor_s"]), 2)
            rows.append(row)
            largest_site = output
            print(
                f"{name:>10} {papers:>7} {row['build_s']:>8} {row['floor_s']:>8} {row['ratio']:>6} "
                f"{row['peak_rss_mb']:>8} {row['site_mb']:>8} {row['pages']:>7} {row['search_index_mb']:>16} "
                f"{row['browse_index_mb']:>16} {row['leaderboard_rows']:>12}"
            )
        browser = None
        if not args.no_browser and largest_site is not None:
            if not Path(CHROMIUM).exists():
                print(f"\n{CHROMIUM} is missing: browser timings skipped")
            else:
                browser = measure_in_browser(largest_site)
                report(browser, int(rows[-1]["papers"]))
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for site in workspace.glob("site-*"):
                shutil.copytree(site, args.keep / site.name, dirs_exist_ok=True)
        if args.json:
            document = {
                "benchmark": "site_scale",
                "measured": measured_on(),
                "machine": machine,
                "floor": "a bare mkdocs-material build of as many plain pages (a title and a paragraph each)",
                "builds": rows,
                "browser": browser,
            }
            write_atomic(args.json, json.dumps(document, indent=2) + "\n")
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
