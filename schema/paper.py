"""The paper entry: what one `catalog/papers/<id>.yaml` file may hold."""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, model_validator

from schema.fields import (
    ID_PATTERN,
    ArxivId,
    Doi,
    LongText,
    RefName,
    ShortText,
    Source,
    Tag,
    Url,
    unique_items,
    vocabulary_term,
)

FIRST_YEAR = 1990


def _latest_year() -> int:
    # Accepted papers can carry next year's date (e.g. a journal issue in January).
    return datetime.date.today().year + 1


def _iso_date(value: object) -> object:
    # YAML reads 2026-11-21 as a date already; any other spelling is refused with the form to use.
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"give a date as YYYY-MM-DD (got {value!r})")
    return value


def _check_year(year: int) -> int:
    if not FIRST_YEAR <= year <= _latest_year():
        raise ValueError(f"{year} is outside {FIRST_YEAR}..{_latest_year()}")
    return year


Modality = vocabulary_term("modality")
Task = vocabulary_term("task")
Method = vocabulary_term("method")
Dimension = vocabulary_term("dimension")
Venue = vocabulary_term("venue")


class _Strict(BaseModel):
    # Unknown keys are errors: a typo must never be silently dropped.
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class Links(_Strict):
    """Where to read the paper and find its artefacts."""

    paper: Url | None = Field(default=None, description="Landing page of the paper (publisher or arXiv abstract).")
    pdf: Url | None = Field(default=None, description="Direct link to the PDF, if freely available.")
    code: Url | None = Field(default=None, description="Official code repository.")
    weights: Url | None = Field(default=None, description="Released pretrained weights.")
    project: Url | None = Field(default=None, description="Project page.")


class Result(_Strict):
    """One number the paper reports, quoted exactly as printed."""

    dataset: ShortText = Field(description="Evaluation data set, as named in the paper.")
    metric: ShortText = Field(description="Metric, e.g. AUC, Dice, accuracy.")
    value: ShortText = Field(
        description="The number exactly as printed, quoted as text so digits are kept (e.g. '0.9850', '76.47±3.53')."
    )
    model: ShortText | None = Field(
        default=None, description="Which model or row of the table this is (e.g. 'ViT-MAE')."
    )
    label_fraction: ShortText | None = Field(
        default=None, description="Share of labels used for fine-tuning, e.g. '1%', '100%', '0% (zero-shot)'."
    )
    setting: ShortText | None = Field(
        default=None, description="Evaluation setting, e.g. 'linear probe', 'fine-tune', 'zero-shot'."
    )
    note: ShortText | None = Field(default=None, description="Anything a reader needs to read the number right.")


class Paper(_Strict):
    """One self-supervised learning paper for medical imaging."""

    id: Annotated[str, Field(pattern=ID_PATTERN, max_length=80)] = Field(
        description="The file name without .yaml, e.g. 'zhou2019-models-genesis'. Set by the loader; "
        "do not write it in the file."
    )
    title: ShortText = Field(description="Title as published.")
    authors: Annotated[list[ShortText], AfterValidator(unique_items)] | None = Field(
        default=None, min_length=1, description="Authors in order, 'First Last'. Only if verified."
    )
    year: Annotated[StrictInt, AfterValidator(_check_year)] = Field(
        description="Year of the venue (for a preprint: of its first version)."
    )
    month: StrictInt | None = Field(default=None, ge=1, le=12, description="Month of publication, 1-12.")
    venue: Venue = Field(description="Venue id or alias from taxonomy.yaml, e.g. MICCAI, MedIA, arXiv.")
    modality: Annotated[list[Modality], AfterValidator(unique_items)] = Field(
        min_length=1, description="Imaging modalities (taxonomy ids or aliases)."
    )
    task: Annotated[list[Task], AfterValidator(unique_items)] = Field(
        min_length=1, description="Downstream tasks, the main one first (it decides the README section)."
    )
    method: Annotated[list[Method], AfterValidator(unique_items)] = Field(
        min_length=1, description="Self-supervised method families."
    )
    dimension: Annotated[list[Dimension], AfterValidator(unique_items)] | None = Field(
        default=None, min_length=1, description="2D, 3D and/or video."
    )
    pretext: Annotated[list[ShortText], AfterValidator(unique_items)] | None = Field(
        default=None, min_length=1, description="Pretext tasks in a few words each, e.g. 'rotation', 'jigsaw'."
    )
    scope: Literal["medical", "foundations"] = Field(
        default="medical",
        description="'foundations' for general-purpose SSL methods that medical work builds on.",
    )
    arxiv: ArxivId | None = Field(default=None, description="arXiv identifier, e.g. '1908.06912'.")
    doi: Doi | None = Field(default=None, description="DOI without the resolver, e.g. '10.1016/j.media.2020.101840'.")
    links: Links = Field(default_factory=Links, description="Links to the paper, code, weights and project page.")
    license: ShortText | None = Field(default=None, description="Licence of the code (SPDX id, e.g. MIT).")
    pretraining_data: Annotated[list[ShortText], AfterValidator(unique_items)] | None = Field(
        default=None, min_length=1, description="Data sets used for self-supervised pretraining."
    )
    summary: LongText | None = Field(default=None, description="The main idea in one to three sentences.")
    results: list[Result] | None = Field(
        default=None, min_length=1, description="Numbers the paper reports, quoted exactly."
    )
    refs: Annotated[list[RefName], AfterValidator(unique_items)] | None = Field(
        default=None, min_length=1, description="Names of runnable references in runnable_refs/."
    )
    added: Annotated[datetime.date, BeforeValidator(_iso_date)] | None = Field(
        default=None, description="Date the entry was added to the catalog, YYYY-MM-DD."
    )
    tags: Annotated[list[Tag], AfterValidator(unique_items)] | None = Field(
        default=None, min_length=1, description="Free keywords, lower-case-with-dashes."
    )
    sources: Annotated[list[Source], AfterValidator(unique_items)] | None = Field(
        default=None,
        min_length=1,
        description="Where the facts were checked: URLs, 'owner/repo:path' or 'seed:<file>'.",
    )

    @model_validator(mode="after")
    def _has_a_way_to_find_it(self) -> Paper:
        if not (self.links.paper or self.arxiv or self.doi):
            raise ValueError("give at least one of links.paper, arxiv or doi")
        return self

    @property
    def url(self) -> str:
        """The best link to the paper: its page, else its DOI, else its arXiv abstract."""
        if self.links.paper:
            return self.links.paper
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return f"https://arxiv.org/abs/{self.arxiv}"
