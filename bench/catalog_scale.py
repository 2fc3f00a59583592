"""How loading, validating and rendering scale: synthetic catalogs of 1,000 and 10,000 papers.

Prints, per size, the floor (reading every file and a bare `yaml.load` with CSafeLoader)
next to the project's load + validate + README render, and their ratio. Usage:

    python bench/catalog_scale.py [--sizes 1000 10000 50000] [--repeat 3] [--json PATH]

With --json it also writes the rows, the date and the machine (the site's Performance page shows them).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from machine import machine_info, measured_on  # noqa: E402  (bench/ is not a package)

from site_builder.catalog.load import load_catalog  # noqa: E402
from site_builder.catalog.write import write_atomic  # noqa: E402
from site_builder.references import readme_references  # noqa: E402
from site_builder.render.readme import render_readme  # noqa: E402

MODALITIES = ["CT", "MRI", "X-ray", "histopathology", "ultrasound", "fundus", "OCT", "PET"]
TASKS = ["classification", "segmentation", "detection", "registration", "denoising"]
METHODS = ["contrastive", "generative", "predictive", "masked-image-modelling", "self-distillation"]
VENUES = ["MICCAI", "MedIA", "TMI", "ISBI", "NeurIPS", "CVPR", "arXiv"]


def synthetic_paper(index: int, rng: random.Random) -> str:
    """A realistic entry (~25 lines): every common field, a summary and two results."""
    dice, auc = f"0.{rng.randint(700, 900)}", f"0.{rng.randint(800, 990)}"
    return (
        "# yaml-language-server: $schema=../../schema/paper.schema.json\n"
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
        "summary: >-\n"
        "  A network learns from unlabelled scans by solving a pretext task, then is fine-tuned\n"
        "  with few labels; this entry exists only to measure how the catalog tools scale.\n"
        "results:\n"
        f"  - {{dataset: btcv, task: segmentation, metric: Dice, value: {dice}, printed: '{dice}',"
        " label_fraction: 0.1, protocol: fine-tune, model: Synthetic, where: Table 2}\n"
        f"  - {{dataset: lidc-idri, task: classification, metric: AUC, value: {auc}, printed: '{auc}',"
        " protocol: linear-probe, model: Synthetic, where: Table 3}\n"
        "added: 2026-11-21\n"
        f"sources: [https://example.org/papers/{index}]\n"
    )


def make_catalog(root: Path, size: int) -> Path:
    catalog = root / "catalog"
    (catalog / "papers").mkdir(parents=True)
    shutil.copy(REPO / "catalog" / "taxonomy.yaml", catalog / "taxonomy.yaml")
    shutil.copy(REPO / "catalog" / "datasets.yaml", catalog / "datasets.yaml")  # results name its datasets
    rng = random.Random(size)
    for index in range(size):
        (catalog / "papers" / f"synthetic{index:05d}.yaml").write_text(synthetic_paper(index, rng))
    return catalog


def floor(catalog: Path) -> None:
    for path in sorted((catalog / "papers").glob("*.yaml")):
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)


def project(catalog: Path) -> None:
    result = load_catalog(catalog)
    assert result.catalog is not None, result.problems[:3]
    render_readme(result.catalog, readme_references())


def best_of(function, catalog: Path, repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        function(catalog)
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is kept")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    machine = machine_info(("PyYAML", "pydantic", "Jinja2"))  # before the runs: their own load is not the machine's
    rows = []
    print(f"{'papers':>8} {'floor s':>9} {'medssl s':>9} {'ratio':>6}   (floor: read + yaml.load CSafeLoader)")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as temporary:
            catalog = make_catalog(Path(temporary), size)
            floor_seconds = best_of(floor, catalog, args.repeat)
            project_seconds = best_of(project, catalog, args.repeat)
        ratio = project_seconds / floor_seconds
        rows.append(
            {
                "papers": size,
                "floor_s": round(floor_seconds, 3),
                "medssl_s": round(project_seconds, 3),
                "ratio": round(ratio, 2),
            }
        )
        print(f"{size:>8} {floor_seconds:>9.3f} {project_seconds:>9.3f} {ratio:>6.2f}")
    if args.json:
        document = {
            "benchmark": "catalog_scale",
            "measured": measured_on(),
            "machine": machine,
            "repeat": args.repeat,
            "floor": "read every file and yaml.load it with CSafeLoader",
            "rows": rows,
            "median_ratio": statistics.median(r["ratio"] for r in rows),
        }
        write_atomic(args.json, json.dumps(document, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
