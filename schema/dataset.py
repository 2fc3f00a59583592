"""The datasets vocabulary (catalog/datasets.yaml): what `pretraining_data` and `results[].dataset` name.

A dataset is named by its id or an alias; a near miss is answered with "did you mean", as for
the taxonomy's vocabularies.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

from schema.fields import ID_PATTERN, ShortText, Source, Url, unique_items, vocabulary_term

DatasetAccess = Literal["open", "registration", "dua", "private"]
DatasetKind = Literal["pretraining", "benchmark", "both"]
SizeUnit = Literal[
    "images", "volumes", "scans", "studies", "patients", "slides", "patches", "videos", "frames", "pairs", "reports"
]


class DatasetError(ValueError):
    """A value that is not an id or alias of catalog/datasets.yaml."""


class DatasetSize(BaseModel):
    """How big the dataset is, in the unit its release counts in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    count: StrictInt = Field(ge=1, description="How many, e.g. 224316.")
    unit: SizeUnit = Field(description="What is counted: images, volumes, patients, slides, ...")


class Dataset(BaseModel):
    """One dataset a paper pretrains on or reports results on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=ID_PATTERN, max_length=60)] = Field(
        description="Stable lower-case id used in paper files and URLs, e.g. 'btcv'."
    )
    name: ShortText = Field(description="The name the dataset is published under.")
    aliases: tuple[str, ...] = Field(default=(), description="Other spellings accepted in paper files.")
    modality: Annotated[list[vocabulary_term("modality")], AfterValidator(unique_items)] = Field(  # type: ignore[valid-type]
        min_length=1, description="Imaging modalities (taxonomy ids)."
    )
    dimension: Annotated[list[vocabulary_term("dimension")], AfterValidator(unique_items)] | None = Field(  # type: ignore[valid-type]
        default=None, min_length=1, description="2D, 3D and/or video."
    )
    anatomy: Annotated[list[ShortText], AfterValidator(unique_items)] | None = Field(
        default=None, min_length=1, description="Body regions or organs, e.g. 'abdomen', 'chest'."
    )
    tasks: Annotated[list[vocabulary_term("task")], AfterValidator(unique_items)] | None = Field(  # type: ignore[valid-type]
        default=None, min_length=1, description="Tasks it is labelled for (taxonomy ids)."
    )
    size: DatasetSize | None = Field(default=None, description="How many images, volumes, patients or slides.")
    license: ShortText | None = Field(default=None, description="Licence (SPDX id) or the name of its terms of use.")
    access: DatasetAccess | None = Field(
        default=None,
        description="open, registration, dua (data use agreement) or private; left out when the official page "
        "does not say.",
    )
    url: Url = Field(description="The dataset's official page.")
    description: ShortText = Field(description="One line saying what it holds.")
    kind: DatasetKind = Field(description="pretraining, benchmark or both.")
    sources: Annotated[list[Source], AfterValidator(unique_items)] | None = Field(
        default=None, min_length=1, description="Where the facts were checked."
    )


class DatasetFile(BaseModel):
    """The whole of catalog/datasets.yaml, with case-insensitive lookup of ids and aliases."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    datasets: tuple[Dataset, ...] = Field(description="Every dataset, in the order the Datasets page lists them.")

    @model_validator(mode="after")
    def _names_are_unique(self) -> DatasetFile:
        seen: dict[str, str] = {}
        for dataset in self.datasets:
            for name in (dataset.id, dataset.name, *dataset.aliases):
                key = name.strip().casefold()
                if key in seen and seen[key] != dataset.id:
                    raise ValueError(f"{name!r} names both {seen[key]!r} and {dataset.id!r}")
                seen[key] = dataset.id
        return self

    def model_post_init(self, __context: object) -> None:
        lookup = {
            name.strip().casefold(): dataset.id
            for dataset in self.datasets
            for name in (dataset.id, dataset.name, *dataset.aliases)
        }
        object.__setattr__(self, "_lookup", lookup)
        object.__setattr__(self, "_by_id", {dataset.id: dataset for dataset in self.datasets})

    def normalise(self, value: str) -> str:
        """The id `value` names, or DatasetError with a suggestion."""
        lookup: dict[str, str] = self._lookup  # type: ignore[attr-defined]
        found = lookup.get(value.strip().casefold())
        if found is not None:
            return found
        close = difflib.get_close_matches(value.strip().casefold(), list(lookup), n=1, cutoff=0.6)
        hint = f" (did you mean {lookup[close[0]]!r}?)" if close else ""
        raise DatasetError(f"{value!r} is not a dataset in catalog/datasets.yaml{hint}; add it there first")

    def get(self, dataset_id: str) -> Dataset:
        return self._by_id[dataset_id]  # type: ignore[attr-defined,no-any-return]

    def __contains__(self, dataset_id: object) -> bool:
        return dataset_id in self._by_id  # type: ignore[attr-defined]


def dataset_term() -> object:
    """A string that must name a dataset; normalised to its id.

    The datasets come from the validation context (`context={"datasets": ...}`); without them
    the value passes through, as for the taxonomy's vocabularies.
    """

    def normalise(value: str, info: ValidationInfo) -> str:
        datasets = (info.context or {}).get("datasets")
        if not isinstance(datasets, DatasetFile):
            return value
        try:
            return datasets.normalise(value)
        except DatasetError as error:
            raise ValueError(str(error)) from None

    return Annotated[
        str,
        StringConstraints(min_length=1, max_length=100),
        AfterValidator(normalise),
        Field(json_schema_extra={"x-vocabulary": "dataset"}),
    ]
