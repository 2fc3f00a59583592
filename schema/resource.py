"""Resources that are not papers: surveys, other lists, blogs, videos, talks, theses."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt

from schema.fields import ID_PATTERN, LongText, ShortText, Source, Url, unique_items

ResourceKind = Literal["survey", "paper-list", "blog", "video", "talk", "thesis", "course"]


class Resource(BaseModel):
    """One entry of catalog/resources.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: ShortText = Field(description="Title as published.")
    kind: ResourceKind = Field(description="What sort of resource this is.")
    url: Url | None = Field(default=None, description="Where to find it (left out when no verified link exists).")
    authors: Annotated[list[ShortText], AfterValidator(unique_items)] | None = Field(
        default=None, min_length=1, description="Authors or speakers, if verified."
    )
    year: StrictInt | None = Field(default=None, ge=1990, le=2100, description="Year, if known.")
    note: LongText | None = Field(default=None, description="One line on why it is worth a look.")
    related: Annotated[list[Annotated[str, Field(pattern=ID_PATTERN)]], AfterValidator(unique_items)] | None = Field(
        default=None, min_length=1, description="Ids of catalog papers this resource belongs with."
    )
    sources: Annotated[list[Source], AfterValidator(unique_items)] | None = Field(
        default=None, min_length=1, description="Where the facts were checked."
    )


class ResourceFile(BaseModel):
    """The whole of catalog/resources.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    resources: list[Resource] = Field(description="All resources, in the order shown.")
