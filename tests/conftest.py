"""Shared fixtures: tiny catalogs built in tmp_path from the real taxonomy."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from textwrap import dedent

import pytest

REPO = Path(__file__).resolve().parent.parent

GOOD_PAPER = """\
title: "Models Genesis: Generic Autodidactic Models for 3D Medical Image Analysis"
year: 2019
venue: MICCAI
modality: [CT]
task: [segmentation]
method: [generative]
dimension: [3D]
arxiv: "1908.06912"
links:
  code: https://github.com/MrGiovanni/ModelsGenesis
"""


# A small datasets vocabulary for fixture catalogs, so tests do not depend on the real one's entries.
FIXTURE_DATASETS = """\
datasets:
  - id: lidc-idri
    name: LIDC-IDRI
    aliases: [LIDC]
    modality: [CT]
    access: open
    url: https://www.cancerimagingarchive.net/collection/lidc-idri/
    description: Thoracic CT scans with annotated lung nodules.
    kind: both
  - id: btcv
    name: BTCV
    aliases: [Beyond the Cranial Vault]
    modality: [CT]
    tasks: [segmentation]
    access: registration
    url: https://www.synapse.org/Synapse:syn3193805
    description: Abdominal CT scans with 13 labelled organs.
    kind: benchmark
"""


@pytest.fixture
def catalog_dir(tmp_path: Path) -> Path:
    """An empty catalog with the project's real taxonomy and a small datasets vocabulary."""
    directory = tmp_path / "catalog"
    (directory / "papers").mkdir(parents=True)
    shutil.copy(REPO / "catalog" / "taxonomy.yaml", directory / "taxonomy.yaml")
    (directory / "datasets.yaml").write_text(FIXTURE_DATASETS, encoding="utf-8")
    return directory


@pytest.fixture
def write_paper(catalog_dir: Path) -> Callable[[str, str | bytes], Path]:
    """Write catalog/papers/<id>.yaml from text (dedented) or raw bytes."""

    def write(paper_id: str, content: str | bytes) -> Path:
        path = catalog_dir / "papers" / f"{paper_id}.yaml"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(dedent(content), encoding="utf-8")
        return path

    return write


@pytest.fixture(autouse=True)
def _run_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Problem paths are shown relative to the working directory: make them predictable.
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
