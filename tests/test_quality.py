"""`medssl doctor`: coverage counts and per-paper gaps."""

from __future__ import annotations

import json

from site_builder.catalog.load import load_catalog
from site_builder.catalog.quality import quality_report
from site_builder.cli import main
from tests.conftest import GOOD_PAPER

BARE_PAPER = "title: Bare\nyear: 2024\nvenue: arXiv\nmodality: [MRI]\ntask: [denoising]\nmethod: [predictive]\n"


def test__counts_and_gaps_follow_the_papers(catalog_dir, write_paper):
    write_paper("zhou2019-models-genesis", GOOD_PAPER + "summary: Restores corrupted volumes.\n")
    write_paper("bare2024-x", BARE_PAPER + "links:\n  paper: https://example.org/bare\n")
    report = quality_report(load_catalog(catalog_dir).catalog, extra_gaps={"bare2024-x": ["dead link"]})
    assert report.papers == 2
    assert dict(report.by_modality)["CT"] == 1 and dict(report.by_modality)["MRI"] == 1
    assert report.by_year == [(2019, 1), (2024, 1)]
    fields = dict(report.field_counts)
    assert (fields["code link"], fields["DOI or arXiv id"], fields["summary"]) == (1, 1, 1)
    gaps = dict(report.gaps_by_paper)
    assert gaps["bare2024-x"] == [
        "no DOI or arXiv id",
        "no authors",
        "no code link",
        "no summary",
        "no reported results",
        "no sources",
        "no dimension",
        "dead link",
    ]
    assert "no code link" not in gaps["zhou2019-models-genesis"]


def test__doctor_prints_markdown_and_json(catalog_dir, write_paper, capsys):
    write_paper("zhou2019-models-genesis", GOOD_PAPER)
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Catalog quality: 1 papers\n") and "| CT | 1 | 100% |" in out
    assert main(["doctor", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["papers"] == 1
