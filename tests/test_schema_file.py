"""The JSON Schema file editors use, and the pydantic models behind it."""

from __future__ import annotations

import json

import pytest
import yaml

from schema import Paper, Taxonomy
from site_builder.build import build_paper_schema
from site_builder.catalog.load import load_catalog
from site_builder.contrib.fmt import render_paper_yaml
from site_builder.render.json_schema import render_paper_schema
from tests.conftest import GOOD_PAPER, REPO


def test__committed_schema_is_current():
    assert build_paper_schema(REPO, check=True).endswith("is up to date")


def test__schema_offers_taxonomy_ids_and_forbids_unknown_keys():
    taxonomy = Taxonomy.model_validate(yaml.safe_load((REPO / "catalog" / "taxonomy.yaml").read_text()))
    schema = json.loads(render_paper_schema(taxonomy))
    assert "id" not in schema["properties"] and "id" not in schema["required"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["modality"]["items"]["enum"] == taxonomy.ids("modality")
    assert set(schema["required"]) == {"title", "year", "venue", "modality", "task", "method"}


def test__every_field_is_documented():
    undocumented = [name for name, field in Paper.model_fields.items() if not field.description]
    assert undocumented == []


def test__load_dump_load_round_trips(catalog_dir, write_paper):
    write_paper(
        "zhou2019-models-genesis",
        GOOD_PAPER
        + "summary: >-\n  A long summary that wraps over more than one hundred characters\n"
        + "  so that the dumper folds it over lines.\n"
        + "results:\n  - {dataset: LIDC, task: classification, metric: AUC, value: 0.985, printed: '0.9850',"
        + " label_fraction: 0.01, protocol: fine-tune, model: Genesis Chest CT, where: Table 3}\n"
        + "added: 2026-11-21\n",
    )
    first = load_catalog(catalog_dir).catalog.paper("zhou2019-models-genesis")
    (catalog_dir / "papers" / "zhou2019-models-genesis.yaml").write_text(render_paper_yaml(first))
    second = load_catalog(catalog_dir).catalog.paper("zhou2019-models-genesis")
    assert second == first
    assert (second.results[0].value, second.results[0].printed) == (0.985, "0.9850")
    assert second.results[0].label_fraction == 0.01


def test__a_percent_metric_compares_on_one_scale_whatever_the_source_printed():
    from schema import Result

    row = {"dataset": "btcv", "task": "segmentation", "metric": "Dice", "protocol": "fine-tune", "model": "M"}
    fraction = Result.model_validate({**row, "value": 0.78, "printed": "0.78", "where": "README"})
    percent = Result.model_validate({**row, "value": 82.25, "printed": "82.25", "where": "Table 1"})
    stated = Result.model_validate({**row, "value": 0.5, "printed": "0.5%", "scale": "percent", "where": "Table 1"})
    assert (fraction.comparable_value("%"), percent.comparable_value("%"), stated.comparable_value("%")) == (
        78.0,
        82.25,
        0.5,
    )
    assert fraction.comparable_value("") == 0.78  # a unitless metric printed as a fraction is left alone
    auc = Result.model_validate(
        {**row, "metric": "AUC", "value": 98.7, "printed": "98.7%", "scale": "percent", "where": "Abstract"}
    )
    assert auc.comparable_value("") == pytest.approx(0.987)
