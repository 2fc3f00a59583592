"""results.json and results.csv on the fixture catalog: one row per result, back to the catalog's own values."""

from __future__ import annotations

import csv
import io
import json

from schema import Result
from site_builder.render.exports import (
    CSV_COLUMNS,
    RESULT_COLUMNS,
    RESULT_FIELDS,
    render_papers_csv,
    render_results_csv,
    render_results_json,
)


def catalog_rows(catalog) -> list[tuple[str, int, Result]]:  # type: ignore[no-untyped-def]
    return [(paper.id, index, result) for paper in catalog.papers for index, result in enumerate(paper.results or ())]


def test__results_json_loads_back_to_the_catalogs_results(fixture_catalog):
    document = json.loads(render_results_json(fixture_catalog))
    records = document["results"]
    expected = catalog_rows(fixture_catalog)
    assert document["count"] == len(records) == len(expected) >= 10
    assert document["columns"] == list(RESULT_COLUMNS) and all(
        list(record) == list(RESULT_COLUMNS) for record in records
    )
    for record, (paper_id, index, result) in zip(records, expected, strict=True):
        assert (record["paper_id"], record["result_index"]) == (paper_id, index)
        assert Result.model_validate({name: record[name] for name in RESULT_FIELDS}) == result
        assert isinstance(record["value"], float) and not isinstance(record["baseline"], str)
    chen = records[0]
    assert (chen["doi"], chen["arxiv"], chen["dataset_name"]) == ("10.1016/j.media.2020.000001", None, "BTCV")
    assert (chen["metric_direction"], chen["metric_unit"]) == ("higher", "%")
    hd95 = next(record for record in records if record["metric"] == "HD95")
    assert (hd95["metric_direction"], hd95["metric_unit"]) == ("lower", "mm")
    retracted = {record["paper_id"]: record["paper_retracted"] for record in records}
    assert retracted["kim2023-brain-registration"] == "2025-05-01" and retracted["chen2020-ct-contrast"] is None


def test__results_csv_parses_to_the_same_rows_and_values(fixture_catalog):
    rows = list(csv.DictReader(io.StringIO(render_results_csv(fixture_catalog), newline="")))
    expected = catalog_rows(fixture_catalog)
    assert len(rows) == len(expected)
    assert list(rows[0]) == list(RESULT_COLUMNS)
    for row, (paper_id, index, result) in zip(rows, expected, strict=True):
        assert (row["paper_id"], int(row["result_index"])) == (paper_id, index)
        assert float(row["value"]) == result.value
        assert row["printed"] == result.printed and row["model"] == result.model
        assert row["dataset"] == result.dataset and row["protocol"] == result.protocol
        assert row["baseline"] == ("true" if result.baseline else "false")
        fraction = result.label_fraction
        assert row["label_fraction"] == ("" if fraction is None else str(fraction))
        assert row["spread"] == (result.spread or "")


def test__papers_csv_has_the_weights_fields_and_the_check_date(fixture_catalog):
    assert "weights" not in CSV_COLUMNS  # links.weights is gone; weights have their own fields
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(render_papers_csv(fixture_catalog), newline=""))}
    genesis = rows["zhou2019-models-genesis"]
    assert genesis["weights_url"] == "https://huggingface.co/example/models-genesis"
    assert (genesis["weights_host"], genesis["weights_license"], genesis["weights_access"]) == (
        "huggingface",
        "MIT",
        "open",
    )
    assert (genesis["checked"], genesis["license"], genesis["results"]) == ("2026-11-01", "MIT", "3")
    swin = rows["tang2022-swin-pretraining"]
    assert (swin["weights_host"], swin["weights_license"], swin["weights_access"]) == ("github-release", "", "")
    assert rows["kim2023-brain-registration"]["retracted"] == "2025-05-01"


def test__a_catalog_without_results_exports_empty_but_valid_files(catalog_dir, write_paper):
    from site_builder.catalog.load import load_catalog
    from tests.conftest import GOOD_PAPER

    write_paper("zhou2019-models-genesis", GOOD_PAPER)
    catalog = load_catalog(catalog_dir).catalog
    document = json.loads(render_results_json(catalog))
    assert (document["count"], document["results"]) == (0, [])
    assert render_results_csv(catalog) == ",".join(RESULT_COLUMNS) + "\r\n"
