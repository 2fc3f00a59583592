"""The website under test: a small fixture catalog and the real one, each built once per session with
mkdocs and served by a real `python -m http.server` on 127.0.0.1; Playwright drives Debian's Chromium."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from schema import Catalog
from site_builder.catalog.link_status import link_status_path
from site_builder.catalog.load import load_catalog
from site_builder.links.check import LinkResult
from site_builder.links.record import render_link_status
from tests.conftest import FIXTURE_DATASETS, REPO

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = REPO / "test-output" / "site"
SITE_URL = "https://example.org/medssl/"

# A title and summary that try to become markup; the site must show them as text.
HOSTILE_TITLE = '<script>window.__pwned = 1</script> Evil & "quoted" </title><b>bold</b>'
HOSTILE_LINK = 'https://example.org/evil?x="onmouseover=window.__pwned=4'
HOSTILE_SUMMARY = '<img src=x onerror="window.__pwned = 2"> [click](javascript:window.__pwned=3) *not emphasis*'
HOSTILE_PRINTED = "70.1 <script>window.__pwned = 6</script>"
HOSTILE_MODEL = '<img src=x onerror="window.__pwned = 7"> Evil model'
HOSTILE_NOTE = "<b>note</b> [x](javascript:window.__pwned=8)"
HOSTILE_DATASET = "<script>window.__pwned = 9</script> Evil & set"

# The fixture site's catalog/datasets.yaml: the test vocabulary plus one dataset whose text tries to be markup.
FIXTURE_SITE_DATASETS = {
    "datasets": [
        *yaml.safe_load(FIXTURE_DATASETS)["datasets"],
        {
            "id": "evil-set",
            "name": HOSTILE_DATASET,
            "modality": ["CT"],
            "size": {"count": 1234, "unit": "volumes"},
            "license": "CC-BY-4.0",
            "access": "open",
            "url": "https://example.org/evil-set",
            "description": '<img src=x onerror="window.__pwned = 10"> An evil description.',
            "kind": "benchmark",
        },
    ]
}

# id -> fields. Chosen so that every facet has values with different counts and the filters overlap.
FIXTURE_PAPERS: dict[str, dict[str, object]] = {
    "zhou2019-models-genesis": {
        "title": "Models Genesis: Generic Autodidactic Models for 3D Medical Image Analysis",
        "authors": ["Zongwei Zhou", "Vatsal Sodha", "Jianming Liang"],
        "year": 2019,
        "venue": "MICCAI",
        "modality": ["CT", "MRI"],
        "task": ["segmentation", "classification"],
        "method": ["generative"],
        "dimension": ["3D"],
        "arxiv": "1908.06912",
        "links": {"code": "https://github.com/MrGiovanni/ModelsGenesis"},
        "summary": "An encoder-decoder restores sub-volumes corrupted by pixel shuffling, fine-tuned on lung nodules.",
        "refs": ["models_genesis"],
        "added": "2026-01-10",
        "checked": "2026-11-01",
        "license": "MIT",
        "pretraining_data": ["LIDC"],
        "weights": [
            {
                "url": "https://huggingface.co/example/models-genesis",
                "host": "huggingface",
                "license": "MIT",
                "access": "open",
                "kind": "pretrained",
            }
        ],
        "results": [
            {
                "dataset": "BTCV",
                "task": "segmentation",
                "metric": "HD95",
                "value": 9.8,
                "printed": "9.8",
                "label_fraction": 1.0,
                "protocol": "fine-tune",
                "model": "Models Genesis",
                "backbone": "3D U-Net",
                "where": "Table 5",
            },
            {
                "dataset": "BTCV",
                "task": "segmentation",
                "metric": "Dice",
                "value": 70.0,
                "printed": "70.0",
                "label_fraction": 1.0,
                "protocol": "linear-probe",
                "model": "Models Genesis",
                "backbone": "3D U-Net",
                "where": "Table 5",
            },
            {
                "dataset": "LIDC-IDRI",
                "task": "classification",
                "metric": "AUC",
                "value": 98.34,
                "printed": "98.34",
                "spread": "±0.44",
                "protocol": "fine-tune",
                "model": "Models Genesis",
                "where": "Table 2",
            },
        ],
    },
    "chen2020-ct-contrast": {
        "title": "Contrastive Pretraining of Abdominal CT Encoders",
        "year": 2020,
        "month": 6,
        "venue": "MedIA",
        "modality": ["CT"],
        "task": ["segmentation"],
        "method": ["contrastive"],
        "dimension": ["3D"],
        "doi": "10.1016/j.media.2020.000001",
        "results": [
            {
                "dataset": "BTCV",
                "split": "test",
                "task": "segmentation",
                "metric": "Dice",
                "value": 78.1,
                "printed": "78.1",
                "label_fraction": 0.1,
                "protocol": "fine-tune",
                "model": "Contrastive CT encoder",
                "backbone": "ResNet-50",
                "where": "Table 2",
            },
            {
                "dataset": "BTCV",
                "split": "test",
                "task": "segmentation",
                "metric": "Dice",
                "value": 82.5,
                "printed": "82.5",
                "spread": "±0.4",
                "label_fraction": 1.0,
                "protocol": "fine-tune",
                "model": "Contrastive CT encoder",
                "backbone": "ResNet-50",
                "where": "Table 2",
            },
            {
                "dataset": "BTCV",
                "split": "test",
                "task": "segmentation",
                "metric": "Dice",
                "value": 80.0,
                "printed": "80.0",
                "label_fraction": 1.0,
                "protocol": "fine-tune",
                "model": "Trained from scratch",
                "backbone": "ResNet-50",
                "where": "Table 2",
                "baseline": True,
            },
        ],
        "added": "2026-02-01",
    },
    "azizi2021-chest-xray": {
        "title": "Big Self-Supervised Models for Chest Radiographs",
        "authors": ["Shekoofeh Azizi", "José Sánchez"],
        "year": 2021,
        "venue": "ICCV",
        "modality": ["X-ray", "dermoscopy"],
        "task": ["classification"],
        "method": ["contrastive"],
        "dimension": ["2D"],
        "arxiv": "2101.05224",
        "links": {"code": "https://github.com/example/chest"},
        "added": "2026-02-01",
        "weights": [
            {
                "url": "https://zenodo.org/records/1234",
                "host": "zenodo",
                "license": "CC-BY-NC-4.0",
                "access": "registration",
                "kind": "fine-tuned",
            }
        ],
    },
    "tang2022-swin-pretraining": {
        "title": "Swin Transformers Pretrained on Unlabelled CT Volumes",
        "year": 2022,
        "venue": "CVPR",
        "modality": ["CT"],
        "task": ["segmentation"],
        "method": ["masked-image-modelling", "contrastive"],
        "dimension": ["3D"],
        "arxiv": "2111.14791",
        "links": {"code": "https://github.com/example/swin"},
        "refs": ["swin_unetr_pretext"],
        "pretraining_data": ["lidc-idri"],
        "weights": [{"url": "https://github.com/example/swin/releases/tag/v1", "host": "github-release"}],
        "results": [
            {
                "dataset": "btcv",
                "split": "val",
                "task": "segmentation",
                "metric": "DSC",
                "value": 80.3,
                "printed": "80.3",
                "label_fraction": 0.1,
                "protocol": "fine-tune",
                "model": "Swin UNETR (pretrained)",
                "backbone": "Swin-B",
                "where": "Table 3",
            },
            {
                "dataset": "btcv",
                "split": "val",
                "task": "segmentation",
                "metric": "Dice",
                "value": 82.5,
                "printed": "82.50",
                "label_fraction": 1.0,
                "protocol": "fine-tune",
                "model": "Swin UNETR (pretrained)",
                "backbone": "Swin-B",
                "where": "Table 3",
            },
            {
                "dataset": "btcv",
                "task": "segmentation",
                "metric": "HD95",
                "value": 7.2,
                "printed": "7.2",
                "label_fraction": 1.0,
                "protocol": "fine-tune",
                "model": "Swin UNETR (pretrained)",
                "backbone": "Swin-B",
                "where": "Leaderboard, row 4",
                "tier": "benchmark",
                "source": "https://example.org/btcv-benchmark",
            },
        ],
    },
    "he2022-masked-autoencoders": {
        "title": "Masked Autoencoders Are Scalable Vision Learners",
        "year": 2022,
        "venue": "CVPR",
        "modality": ["natural-images"],
        "task": ["representation-learning"],
        "method": ["masked-image-modelling"],
        "dimension": ["2D"],
        "scope": "foundations",
        "arxiv": "2111.06377",
        "links": {"code": "https://github.com/facebookresearch/mae"},
        "refs": ["mae"],
    },
    "li2023-echo-distillation": {
        "title": "Self-Distillation for Echocardiography Video Detection",
        "year": 2023,
        "venue": "arXiv",
        "modality": ["ultrasound"],
        "task": ["detection"],
        "method": ["self-distillation"],
        "dimension": ["video"],
        "arxiv": "2305.00001",
        "added": "2026-03-05",
    },
    "kim2023-brain-registration": {
        "title": "Predictive Pretext Tasks for Brain MRI Registration",
        "year": 2023,
        "venue": "TMI",
        "modality": ["MRI"],
        "task": ["registration", "segmentation"],
        "method": ["predictive"],
        "dimension": ["3D"],
        "links": {"paper": "https://example.org/kim2023", "code": "https://github.com/example/brainreg"},
        "retracted": {"date": "2025-05-01", "notice": "https://example.org/kim2023-retraction"},
        "results": [
            {
                "dataset": "BTCV",
                "task": "segmentation",
                "metric": "Dice",
                "value": 99.0,
                "printed": "99.0",
                "label_fraction": 1.0,
                "protocol": "fine-tune",
                "model": "Too good to be true",
                "where": "Table 1",
            }
        ],
    },
    "wang2024-pathology-dino": {
        "title": "Self-Distilled Vision Transformers for Whole-Slide Pathology",
        "year": 2024,
        "venue": "NeurIPS",
        "modality": ["histopathology"],
        "task": ["classification"],
        "method": ["self-distillation"],
        "dimension": ["2D"],
        "links": {"paper": "https://example.org/wang2024"},
        "added": "2025-12-24",
    },
    "evil2024-hostile-entry": {
        "title": HOSTILE_TITLE,
        "year": 2024,
        "venue": "ISBI",
        "modality": ["CT"],
        "task": ["segmentation"],
        "method": ["contrastive"],
        "dimension": ["2D"],
        "links": {"paper": HOSTILE_LINK},
        "summary": HOSTILE_SUMMARY,
        "results": [
            {
                "dataset": "BTCV",
                "task": "segmentation",
                "metric": "Dice",
                "value": 70.1,
                "printed": HOSTILE_PRINTED,
                "label_fraction": 1.0,
                "protocol": "fine-tune",
                "model": HOSTILE_MODEL,
                "backbone": "ViT-B/16",
                "where": "Table 1",
                "note": HOSTILE_NOTE,
            },
            {
                "dataset": "evil-set",
                "task": "segmentation",
                "metric": "Dice",
                "value": 50.0,
                "printed": "50.0",
                "protocol": "fine-tune",
                "model": "Evil model",
                "where": "Table 1",
            },
        ],
    },
}

FIXTURE_RESOURCES = {
    "resources": [
        {"title": "A Survey of Self-Supervised Learning for Medical Images", "kind": "survey", "year": 2023},
        {
            "title": "Awesome Self-Supervised Learning",
            "kind": "paper-list",
            "url": "https://github.com/example/awesome-ssl",
            "note": "A general list.",
        },
    ]
}


# The last link check of the fixture catalog, as `medssl links` records it: one link in each state.
LINK_CHECK_DATE = datetime.date(2026, 11, 20)
HOSTILE_REDIRECT = 'https://example.org/"><script>window.__pwned=5</script>'
FIXTURE_LINK_RESULTS = (
    LinkResult("https://github.com/MrGiovanni/ModelsGenesis", "ok", 200, None, 0.1, "HTTP 200 OK"),
    LinkResult("https://github.com/example/chest", "dead", 404, None, 0.1, "HTTP 404 Not Found"),
    LinkResult("https://example.org/kim2023", "redirected", 200, "https://example.org/kim2023-final", 0.1, "301"),
    LinkResult("https://github.com/example/brainreg", "blocked", 403, None, 0.1, "HTTP 403 Forbidden"),
    LinkResult("https://example.org/wang2024", "dead", None, None, 15.0, "timed out after 15 s"),
    LinkResult(HOSTILE_LINK, "redirected", 200, HOSTILE_REDIRECT, 0.1, "moved (301)"),
    LinkResult("https://huggingface.co/example/models-genesis", "ok", 200, None, 0.1, "HTTP 200 OK"),
)

# bench/results/catalog_scale.json as bench/catalog_scale.py writes it; site_scale and refs_speed stay unmeasured.
FIXTURE_CATALOG_SCALE = {
    "benchmark": "catalog_scale",
    "measured": "2026-11-21",
    "machine": {
        "cpu": "Example CPU <b>9000</b>",
        "cpus": 2,
        "memory_gib": 23.5,
        "architecture": "x86_64",
        "os": "Linux-6.1-x86_64",
        "python": "3.11.7",
        "load_average_1min": 1.5,
        "packages": {"PyYAML": "6.0.3", "pydantic": "2.14.3"},
    },
    "repeat": 2,
    "rows": [
        {"papers": 1000, "floor_s": 0.1, "medssl_s": 0.3, "ratio": 3.0},
        {"papers": 10000, "floor_s": 0.8, "medssl_s": 2.0, "ratio": 2.5},
    ],
    "median_ratio": 2.75,
}


def write_link_status(root: Path) -> None:
    text = render_link_status(FIXTURE_LINK_RESULTS, LINK_CHECK_DATE)
    link_status_path(root).write_text(text, encoding="utf-8")


def write_benchmark_results(root: Path) -> None:
    results = root / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "catalog_scale.json").write_text(json.dumps(FIXTURE_CATALOG_SCALE, indent=2) + "\n")


def write_fixture_catalog(root: Path) -> None:
    """Write the fixture catalog under root/catalog, with the real taxonomy."""
    catalog_dir = root / "catalog"
    (catalog_dir / "papers").mkdir(parents=True)
    shutil.copy(REPO / "catalog" / "taxonomy.yaml", catalog_dir / "taxonomy.yaml")
    for paper_id, fields in FIXTURE_PAPERS.items():
        text = yaml.safe_dump(fields, sort_keys=False, allow_unicode=True)
        (catalog_dir / "papers" / f"{paper_id}.yaml").write_text(text, encoding="utf-8")
    (catalog_dir / "resources.yaml").write_text(yaml.safe_dump(FIXTURE_RESOURCES, sort_keys=False))
    datasets = yaml.safe_dump(FIXTURE_SITE_DATASETS, sort_keys=False, allow_unicode=True)
    (catalog_dir / "datasets.yaml").write_text(datasets, encoding="utf-8")


def build_site(root: Path, output: Path, site_url: str = SITE_URL) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` of the project's mkdocs.yml on the catalog under `root`."""
    environment = {**os.environ, "MEDSSL_ROOT": str(root), "MEDSSL_SITE_URL": site_url, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(REPO / "mkdocs.yml"), "-d", str(output)]
    return subprocess.run(command, capture_output=True, text=True, env=environment, cwd=root, check=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class BuiltSite:
    catalog: Catalog
    directory: Path
    url: str  # http://127.0.0.1:<port>/
    build_output: str


@pytest.fixture(scope="session")
def serve() -> Iterator[object]:
    """serve(directory) -> base URL of a `python -m http.server` for it; every server stops at the end."""
    servers: list[subprocess.Popen[bytes]] = []

    def start(directory: Path) -> str:
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        servers.append(server)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return f"http://127.0.0.1:{port}/"
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"http.server for {directory} did not start") from None
                time.sleep(0.05)

    yield start
    for server in servers:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def fixture_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fixture-site")
    write_fixture_catalog(root)
    write_link_status(root)
    write_benchmark_results(root)
    return root


@pytest.fixture(scope="session")
def fixture_catalog(fixture_root: Path) -> Catalog:
    result = load_catalog(fixture_root / "catalog")
    assert result.catalog is not None, result.problems
    return result.catalog


@pytest.fixture(scope="session")
def fixture_site(fixture_root: Path, fixture_catalog: Catalog, serve) -> BuiltSite:
    completed = build_site(fixture_root, fixture_root / "site")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    output = completed.stdout + completed.stderr
    return BuiltSite(fixture_catalog, fixture_root / "site", serve(fixture_root / "site"), output)


@pytest.fixture(scope="session")
def real_site(tmp_path_factory: pytest.TempPathFactory, serve) -> BuiltSite:
    """The bundled catalog, built from the repository as `make site` does."""
    output = tmp_path_factory.mktemp("real-site") / "site"
    completed = build_site(REPO, output)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    result = load_catalog(REPO / "catalog")
    assert result.catalog is not None
    return BuiltSite(result.catalog, output, serve(output), completed.stdout + completed.stderr)


# Playwright: pytest-playwright's fixtures, pointed at Debian's Chromium (never a downloaded browser).
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, object]) -> dict[str, object]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (install Debian's chromium package, as .ci/run does)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true, so the browser tests must run", pytrace=False)
        pytest.skip(reason)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, object]) -> dict[str, object]:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}
