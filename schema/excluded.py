"""Papers considered for the catalog and left out (catalog/excluded.yaml), each with its reason.

Keeping them stops the same paper from being researched twice: `medssl add` names the reason,
and `medssl validate` checks that no excluded paper is also in the catalog.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, model_validator

from schema.fields import ID_PATTERN, ArxivId, Doi, IsoDate, ShortText, Source, Url, unique_items

ExclusionReason = Literal["not-ssl", "not-medical", "duplicate", "unverifiable"]


class Exclusion(BaseModel):
    """One paper that was considered and left out."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: ShortText = Field(description="Title as the lead listed it.")
    year: StrictInt | None = Field(default=None, ge=1990, le=2100, description="Year, where known.")
    arxiv: ArxivId | None = Field(default=None, description="arXiv id, where known.")
    doi: Doi | None = Field(default=None, description="DOI, where known.")
    url: Url | None = Field(default=None, description="A page for the paper, where one exists.")
    reason: ExclusionReason = Field(description="not-ssl, not-medical, duplicate or unverifiable.")
    duplicate_of: Annotated[str, Field(pattern=ID_PATTERN)] | None = Field(
        default=None, description="For reason: duplicate, the id of the catalog paper it duplicates."
    )
    detail: ShortText = Field(description="One line a reader can check: why it is out.")
    considered: IsoDate = Field(description="Date it was considered, YYYY-MM-DD.")
    sources: Annotated[list[Source], AfterValidator(unique_items)] = Field(
        min_length=1, description="Where it was listed and what was read to decide."
    )

    @model_validator(mode="after")
    def _duplicate_names_its_paper(self) -> Exclusion:
        if (self.reason == "duplicate") != (self.duplicate_of is not None):
            raise ValueError("give duplicate_of exactly when the reason is duplicate")
        return self


class ExcludedFile(BaseModel):
    """The whole of catalog/excluded.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    excluded: tuple[Exclusion, ...] = Field(description="Every exclusion, newest consideration last.")
