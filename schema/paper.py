"""The paper entry: what one `catalog/papers/<id>.yaml` file may hold."""

from __future__ import annotations

import datetime
import math
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, model_validator

from schema.dataset import dataset_term
from schema.fields import (
    ID_PATTERN,
    ArxivId,
    Doi,
    IsoDate,
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


def _check_year(year: int) -> int:
    if not FIRST_YEAR <= year <= _latest_year():
        raise ValueError(f"{year} is outside {FIRST_YEAR}..{_latest_year()}")
    return year


Modality = vocabulary_term("modality")
Task = vocabulary_term("task")
Method = vocabulary_term("method")
Dimension = vocabulary_term("dimension")
Venue = vocabulary_term("venue")
Metric = vocabulary_term("metric")
DatasetName = dataset_term()


class _Strict(BaseModel):
    # Unknown keys are errors: a typo must never be silently dropped.
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class Links(_Strict):
    """Where to read the paper and find its code."""

    paper: Url | None = Field(default=None, description="Landing page of the paper (publisher or arXiv abstract).")
    pdf: Url | None = Field(default=None, description="Direct link to the PDF, if freely available.")
    code: Url | None = Field(default=None, description="Official code repository (not a re-implementation).")
    project: Url | None = Field(default=None, description="Project page.")


WeightsHost = Literal[
    "huggingface",
    "zenodo",
    "github-release",
    "github",
    "drive",
    "dropbox",
    "onedrive",
    "figshare",
    "baidu",
    "project-site",
    "other",
]


class Weights(_Strict):
    """Released model weights: where they are, under which terms, and how to get them."""

    url: Url = Field(description="Where the weights are downloaded or requested.")
    host: WeightsHost = Field(description="Who hosts them: huggingface, zenodo, github-release, drive, ...")
    license: ShortText | None = Field(
        default=None,
        description="Licence of the weights: an SPDX id (e.g. 'CC-BY-NC-ND-4.0') or the name of the terms. "
        "Left out when neither the model card nor the repository states it.",
    )
    access: Literal["open", "registration", "gated", "on-request"] | None = Field(
        default=None,
        description="open (direct download), registration (an account), gated (accept terms / approval on the hub) "
        "or on-request (e-mail the authors).",
    )
    kind: Literal["pretrained", "fine-tuned"] | None = Field(
        default=None, description="pretrained (the self-supervised backbone) or fine-tuned (a downstream model)."
    )


class Retraction(_Strict):
    """A retraction notice: the paper stays listed, marked, and leaves counts and leaderboards."""

    date: IsoDate = Field(description="Date of the notice, YYYY-MM-DD.")
    notice: Url = Field(description="The retraction notice.")


PROTOCOLS = ("fine-tune", "linear-probe", "frozen-encoder-decoder", "knn", "zero-shot", "few-shot", "from-scratch")
Protocol = Literal[
    "fine-tune", "linear-probe", "frozen-encoder-decoder", "knn", "zero-shot", "few-shot", "from-scratch"
]
Split = Literal["test", "val", "official-test", "k-fold"]
_COUNT = re.compile(r"^[1-9]\d* [a-z][a-z\- ]*$")
# The first number of a printed value: "82.58", "0.9850", "76.47±3.53", "85.2%", "1,234".
_FIRST_NUMBER = re.compile(r"[-\u2212]?\d[\d,]*(?:\.\d+)?")


def _check_label_fraction(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("give a number from 0 to 1 or a count with its unit, e.g. 0.1 or '10 volumes'")
    if isinstance(value, int | float):
        if not 0 < value <= 1:
            raise ValueError(f"{value} is outside 0..1; give a share (0.01 for 1%) or a count like '5 shots'")
        return float(value)
    if isinstance(value, str) and _COUNT.fullmatch(value):
        return value
    raise ValueError(f"{value!r}: give a number from 0 to 1 or a count with its unit, e.g. '5 shots', '10 volumes'")


def _number_not_text(value: object) -> object:
    # A quoted "82.58" would hide a typo in a string; the printed form goes in `printed`.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"give the value as a number without quotes (got {value!r}); the exact text goes in printed")
    return float(value)


def printed_number(printed: str) -> float | None:
    """The number a printed value states (its first number), or None if it states none."""
    match = _FIRST_NUMBER.search(printed)
    if match is None:
        return None
    return float(match.group().replace(",", "").replace("\u2212", "-"))


class Result(_Strict):
    """One number a paper or a benchmark reports, quoted exactly as printed."""

    dataset: DatasetName = Field(description="Dataset id or alias from catalog/datasets.yaml.")
    split: Split | None = Field(
        default=None, description="test, val, official-test (a challenge's hidden test set) or k-fold, where stated."
    )
    task: Task = Field(description="The downstream task (taxonomy id).")
    metric: Metric = Field(description="Metric id or alias from taxonomy.yaml (its direction decides ranking).")
    value: Annotated[float, BeforeValidator(_number_not_text)] = Field(
        description="The number, as a number (82.58 for '82.58%')."
    )
    printed: ShortText = Field(description="Exactly as printed in the source, e.g. '82.58', '0.9850', '76.47±3.53'.")
    spread: ShortText | None = Field(default=None, description="Spread as printed: '±0.41' or '95% CI 0.80-0.85'.")
    scale: Literal["percent", "fraction"] | None = Field(
        default=None,
        description="How the source prints the number: 'percent' (82.25, or an AUC as '98.7%') or 'fraction' "
        "(0.8225). Left out, a '%' metric's value of at most 1 counts as a fraction. Leaderboards compare on "
        "the metric's own scale.",
    )
    label_fraction: Annotated[float | str, BeforeValidator(_check_label_fraction)] | None = Field(
        default=None,
        description="Share of the training labels used (0.01 for 1%), or a count with its unit ('5 shots'). "
        "Left out when the source does not state it.",
    )
    protocol: Protocol = Field(
        description="fine-tune, linear-probe, frozen-encoder-decoder, knn, zero-shot, few-shot or from-scratch."
    )
    model: ShortText = Field(description="The row of the table, e.g. 'Swin UNETR (pretrained)'.")
    backbone: ShortText | None = Field(default=None, description="e.g. 'ViT-B/16', 'Swin-B', 'ResNet-50', '3D U-Net'.")
    where: ShortText = Field(description="Where in the source: 'Table 2', 'README, Results', 'Abstract'.")
    tier: Literal["paper", "benchmark"] = Field(
        default="paper", description="paper: the paper's own table; benchmark: an independent benchmark's table."
    )
    source: Source | None = Field(
        default=None, description="The document the number was read in (required for tier: benchmark)."
    )
    baseline: bool = Field(default=False, description="true for a baseline the paper reports, not its own method.")
    stands_for: Annotated[str, Field(pattern=ID_PATTERN)] | None = Field(
        default=None, description="For a baseline: the catalog id of the paper whose method the row stands for."
    )
    note: ShortText | None = Field(default=None, description="Anything a reader needs to read the number right.")

    def comparable_value(self, unit: str) -> float:
        """The value on the metric's own scale, so rows printed either way rank together.

        A '%' metric printed as a fraction (0.8225; inferred when `scale` is left out and the
        value is at most 1) becomes 82.25; a unitless metric such as AUC printed as a percentage
        (`scale: percent`, '98.7%') becomes 0.987.
        """
        if unit == "%":
            fraction = self.scale == "fraction" or (self.scale is None and abs(self.value) <= 1)
            return self.value * 100 if fraction else self.value
        return self.value / 100 if self.scale == "percent" else self.value

    @model_validator(mode="after")
    def _value_is_the_printed_number(self) -> Result:
        stated = printed_number(self.printed)
        if stated is None:
            raise ValueError(f"printed {self.printed!r} holds no number")
        if not math.isclose(stated, self.value, rel_tol=0, abs_tol=1e-9):
            raise ValueError(f"value {self.value} is not the printed number {self.printed!r} (expected {stated})")
        if self.tier == "benchmark" and self.source is None:
            raise ValueError("a benchmark result needs `source`: the table or CSV it was read in")
        if self.stands_for is not None and not self.baseline:
            raise ValueError("stands_for is only for baseline rows (baseline: true)")
        return self


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
    links: Links = Field(default_factory=Links, description="Links to the paper, code and project page.")
    weights: list[Weights] | None = Field(
        default=None, min_length=1, description="Released weights, each with its host, licence and access."
    )
    license: ShortText | None = Field(default=None, description="Licence of the code (SPDX id, e.g. MIT).")
    pretraining_data: Annotated[list[DatasetName], AfterValidator(unique_items)] | None = Field(
        default=None,
        min_length=1,
        description="Datasets used for self-supervised pretraining (ids from datasets.yaml).",
    )
    summary: LongText | None = Field(default=None, description="The main idea in one to three sentences.")
    results: list[Result] | None = Field(
        default=None, min_length=1, description="Numbers the paper reports, quoted exactly."
    )
    refs: Annotated[list[RefName], AfterValidator(unique_items)] | None = Field(
        default=None, min_length=1, description="Names of runnable references in runnable_refs/."
    )
    added: IsoDate | None = Field(default=None, description="Date the entry was added to the catalog, YYYY-MM-DD.")
    checked: IsoDate | None = Field(
        default=None, description="Date a person last verified the entry against its sources, YYYY-MM-DD."
    )
    retracted: Retraction | None = Field(default=None, description="Set when the paper has been retracted.")
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
