"""The taxonomy: lookups, suggestions, and the seed review's vocabulary mapping onto it."""

from __future__ import annotations

import pytest
import yaml

from schema import Taxonomy, VocabularyError
from tests.conftest import REPO


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.model_validate(yaml.safe_load((REPO / "catalog" / "taxonomy.yaml").read_text()))


@pytest.mark.parametrize(
    ("vocabulary", "name", "expected"),
    [
        # The review in the seeds (Zeng et al. 2024) speaks of these modalities and tasks.
        ("modality", "CT", "CT"),
        ("modality", "MRI", "MRI"),
        ("modality", "X-ray", "X-ray"),
        ("modality", "Histology", "histopathology"),
        ("modality", "Ultrasound", "ultrasound"),
        ("task", "Classification", "classification"),
        ("task", "Localization", "localization"),
        ("task", "Segmentation", "segmentation"),
        ("task", "Reduction of False Positives", "false-positive-reduction"),
        ("task", "Improvement of Model Performance", "representation-learning"),
        ("task", "Enhancement of Image Quality", "image-enhancement"),
        ("venue", "Medical Image Analysis", "MedIA"),
        ("venue", "IEEE TMI", "TMI"),
        ("venue", "Advances in Neural Information Processing Systems", "NeurIPS"),
        ("method", "MAE", "masked-image-modelling"),
    ],
)
def test__names_and_aliases_normalise_to_ids(taxonomy, vocabulary, name, expected):
    assert taxonomy.normalise(vocabulary, name) == expected


def test__a_near_miss_suggests_the_id(taxonomy):
    with pytest.raises(VocabularyError, match=r"'segmentaton' is not a task \(did you mean 'segmentation'\?\)"):
        taxonomy.normalise("task", "segmentaton")


def test__a_far_miss_lists_the_choices(taxonomy):
    with pytest.raises(VocabularyError, match="use one of: 2D, 3D, video"):
        taxonomy.normalise("dimension", "holographic")


@pytest.mark.parametrize(
    "required",
    [
        "CT",
        "MRI",
        "X-ray",
        "histopathology",
        "ultrasound",
        "fundus",
        "OCT",
        "endoscopy",
        "dermoscopy",
        "PET",
        "fMRI",
        "multi-modal",
    ],
)
def test__every_modality_the_project_promises_exists(taxonomy, required):
    assert required in taxonomy.ids("modality")


def test__an_alias_that_names_two_terms_is_refused():
    term = {"label": "L", "description": "D"}
    with pytest.raises(ValueError, match="'ct' names both 'CT' and 'MRI'"):
        Taxonomy.model_validate(
            {
                "modality": [{"id": "CT", **term}, {"id": "MRI", "aliases": ["ct"], **term}],
                "task": [],
                "method": [],
                "dimension": [],
                "venue": [],
            }
        )
