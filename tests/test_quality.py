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
        "not checked against its sources",
        "dead link",
    ]
    assert "no code link" not in gaps["zhou2019-models-genesis"]
    assert "code without a licence" in gaps["zhou2019-models-genesis"]


WEIGHTS = "weights:\n  - url: https://huggingface.co/x/y\n    host: huggingface\n    access: gated\n"


def test__weights_licences_and_checks_are_counted(catalog_dir, write_paper):
    write_paper("zhou2019-models-genesis", GOOD_PAPER + "license: MIT\nchecked: 2026-11-30\n" + WEIGHTS)
    write_paper("bare2024-x", BARE_PAPER + "links:\n  paper: https://example.org/bare\n")
    report = quality_report(load_catalog(catalog_dir).catalog)
    fields = dict(report.field_counts)
    assert (fields["checked"], fields["code licence"], fields["weights released"]) == (1, 1, 1)
    assert (fields["weights with their access"], fields["weights with their licence"]) == (1, 0)
    gaps = dict(report.gaps_by_paper)
    assert "weights without a licence" in gaps["zhou2019-models-genesis"]
    assert "weights without their access" not in gaps["zhou2019-models-genesis"]


def test__stale_preprints_and_old_checks_are_listed(catalog_dir, write_paper):
    import datetime

    from site_builder.catalog.refresh_status import RefreshRecord

    write_paper("bare2024-x", BARE_PAPER + "links:\n  paper: https://example.org/bare\nchecked: 2025-01-02\n")
    write_paper("fresh2024-y", BARE_PAPER.replace("Bare", "Fresh") + "links:\n  paper: https://example.org/y\n")
    write_paper("zhou2019-models-genesis", GOOD_PAPER + "checked: 2026-11-01\n")
    catalog = load_catalog(catalog_dir).catalog
    status = {
        "bare2024-x": RefreshRecord(datetime.date(2026, 1, 1), ("venue",)),
        "fresh2024-y": RefreshRecord(datetime.date(2026, 11, 20), ()),
    }
    report = quality_report(catalog, refresh_status=status, today=datetime.date(2026, 12, 1))
    assert report.stale == [
        ("bare2024-x", "preprint last refreshed 2026-01-01"),
        ("bare2024-x", "last checked 2025-01-02"),
    ]
    assert report.published_versions == ["bare2024-x"]  # refresh found a venue nobody applied yet
    assert quality_report(catalog, refresh_status={}, today=datetime.date(2026, 12, 1)).stale[0] == (
        "bare2024-x",
        "preprint never refreshed",
    )


def test__a_retracted_paper_leaves_every_count(catalog_dir, write_paper):
    notice = "retracted:\n  date: 2026-01-05\n  notice: https://example.org/notice\n"
    write_paper("zhou2019-models-genesis", GOOD_PAPER + notice)
    write_paper("bare2024-x", BARE_PAPER + "links:\n  paper: https://example.org/bare\n")
    report = quality_report(load_catalog(catalog_dir).catalog)
    assert report.papers == 1 and dict(report.by_modality)["CT"] == 0
    assert report.retracted == ["zhou2019-models-genesis"]


def test__doctor_prints_markdown_and_json(catalog_dir, write_paper, capsys):
    write_paper("zhou2019-models-genesis", GOOD_PAPER)
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Catalog quality: 1 papers\n") and "| CT | 1 | 100% |" in out
    assert main(["doctor", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["papers"] == 1


def test__a_broken_refresh_record_is_one_clear_error(tmp_path):
    import pytest

    from site_builder.catalog.problems import ProblemsFound
    from site_builder.catalog.refresh_status import load_refresh_status

    (tmp_path / "catalog").mkdir()
    for text in ("{not json", "[]", '{"papers": {"p": {"proposed": []}}}'):
        (tmp_path / "catalog" / "refresh-status.json").write_text(text)
        with pytest.raises(ProblemsFound, match="not a refresh record"):
            load_refresh_status(tmp_path)
