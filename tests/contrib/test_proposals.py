"""Proposals are guesses from words in the title and abstract; these pin down how they are ranked."""

from __future__ import annotations

import pytest

from site_builder.contrib.catalog_index import load_taxonomy_or_fail
from site_builder.contrib.proposals import propose
from tests.conftest import REPO


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy_or_fail(REPO)


def test__title_words_rank_before_abstract_words(taxonomy):
    proposed = propose(taxonomy, "Contrastive Learning for Chest X-ray Classification", "We also segment MRI and CT.")
    assert proposed["modality"][0] == "X-ray" and proposed["task"][0] == "classification"
    assert proposed["method"] == ["contrastive"]


def test__short_aliases_count_only_in_capitals(taxonomy):
    assert "ultrasound" not in propose(taxonomy, "Let us learn features", None)["modality"]
    assert propose(taxonomy, "Self-supervised US image analysis", None)["modality"] == ["ultrasound"]


def test__natural_images_are_background_when_a_medical_modality_is_named(taxonomy):
    abstract = "Transfer learning from natural images to CT scans is limited."
    assert propose(taxonomy, "Models for CT", abstract)["modality"] == ["CT"]
    assert propose(taxonomy, "A Simple Framework for natural images", None)["modality"] == ["natural-images"]


def test__generic_words_are_no_evidence(taxonomy):
    proposed = propose(taxonomy, "A review of pretraining with a pretext task", "Various other benchmarks.")
    assert proposed["task"] == [] and proposed["method"] == [] and proposed["modality"] == []
