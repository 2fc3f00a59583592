"""The controlled vocabularies (catalog/taxonomy.yaml) and lookups into them.

A paper names a modality, task, method, dimension and venue by an id from here; an alias is
accepted and normalised to its id, and a near-miss is answered with "did you mean".
"""

from __future__ import annotations

import difflib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

VOCABULARIES = ("modality", "task", "method", "dimension", "venue", "metric")
Vocabulary = Literal["modality", "task", "method", "dimension", "venue", "metric"]

# How a vocabulary is named in an error message: "'CTT' is not a modality".
_NOUN = {
    "modality": "modality",
    "task": "task",
    "method": "method family",
    "dimension": "dimension",
    "venue": "venue",
    "metric": "metric",
}


class VocabularyError(ValueError):
    """A value that is not an id or alias of its vocabulary."""


class Term(BaseModel):
    """One value of a vocabulary."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(
        description="Stable identifier used in paper files, URLs and filters.",
        min_length=1,
        max_length=40,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9\-]*$",
    )
    label: str = Field(description="Human-readable name shown on the site.", min_length=1)
    description: str = Field(description="One line saying what belongs here.", min_length=1)
    aliases: tuple[str, ...] = Field(
        default=(), description="Other spellings accepted in paper files (case-insensitive)."
    )
    type: Literal["conference", "journal", "preprint", "workshop", "thesis", "other"] | None = Field(
        default=None, description="Venues only: the kind of venue."
    )
    parent: str | None = Field(
        default=None, description="Workshops only: the id of the conference the workshop is held with."
    )
    direction: Literal["higher", "lower"] | None = Field(
        default=None, description="Metrics only: whether a higher or a lower value is better."
    )
    unit: str | None = Field(
        default=None, description="Metrics only: the unit a value is given in ('%', 'mm', or '' for a ratio)."
    )


class Taxonomy(BaseModel):
    """All vocabularies, with case-insensitive lookup of ids and aliases."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    modality: tuple[Term, ...] = Field(description="Imaging modalities.")
    task: tuple[Term, ...] = Field(description="Downstream tasks.")
    method: tuple[Term, ...] = Field(description="Self-supervised method families.")
    dimension: tuple[Term, ...] = Field(description="Dimensionality of the data.")
    metric: tuple[Term, ...] = Field(
        default=(), description="Evaluation metrics of reported results, with their direction."
    )
    venue: tuple[Term, ...] = Field(description="Conferences, workshops, journals and preprint servers.")

    @model_validator(mode="after")
    def _names_are_unique(self) -> Taxonomy:
        for vocabulary in VOCABULARIES:
            seen: dict[str, str] = {}
            for term in getattr(self, vocabulary):
                for name in (term.id, *term.aliases):
                    key = name.casefold()
                    if key in seen and seen[key] != term.id:
                        raise ValueError(f"{vocabulary}: {name!r} names both {seen[key]!r} and {term.id!r}")
                    seen[key] = term.id
            if vocabulary == "venue" and any(term.type is None for term in self.venue):
                raise ValueError("venue: every venue needs a type")
        self._check_venue_parents()
        for term in self.metric:
            if term.direction is None or term.unit is None:
                raise ValueError(f"metric: {term.id!r} needs a direction (higher or lower) and a unit")
        return self

    def _check_venue_parents(self) -> None:
        # A workshop is its own venue, never folded into the conference: it names its parent instead.
        venues = {term.id: term for term in self.venue}
        for term in self.venue:
            if term.type == "workshop" and term.parent is None:
                raise ValueError(f"venue: workshop {term.id!r} needs a parent (the conference it is held with)")
            if term.type != "workshop" and term.parent is not None:
                raise ValueError(f"venue: only workshops have a parent ({term.id!r} is a {term.type})")
            if term.parent is not None and (term.parent not in venues or venues[term.parent].type == "workshop"):
                raise ValueError(f"venue: {term.id!r} has parent {term.parent!r}, which is not a conference id")

    def model_post_init(self, __context: object) -> None:
        # Lookup tables built once; the model is frozen so they never go stale.
        lookup = {
            vocabulary: {
                name.casefold(): term.id for term in getattr(self, vocabulary) for name in (term.id, *term.aliases)
            }
            for vocabulary in VOCABULARIES
        }
        terms = {vocabulary: {term.id: term for term in getattr(self, vocabulary)} for vocabulary in VOCABULARIES}
        object.__setattr__(self, "_lookup", lookup)
        object.__setattr__(self, "_terms", terms)

    def normalise(self, vocabulary: Vocabulary, value: str) -> str:
        """Return the id that `value` names, or raise VocabularyError with a suggestion."""
        found = self._lookup[vocabulary].get(value.strip().casefold())  # type: ignore[attr-defined]
        if found is not None:
            return found
        message = f"{value!r} is not a {_NOUN[vocabulary]}"
        suggestion = self.suggest(vocabulary, value)
        if suggestion:
            message += f" (did you mean {suggestion!r}?)"
        else:
            message += f"; use one of: {', '.join(self.ids(vocabulary))}"
        raise VocabularyError(message)

    def suggest(self, vocabulary: Vocabulary, value: str) -> str | None:
        """The id closest to `value`, if one is close enough to be a likely typo."""
        lookup: dict[str, str] = self._lookup[vocabulary]  # type: ignore[attr-defined]
        close = difflib.get_close_matches(value.strip().casefold(), list(lookup), n=1, cutoff=0.6)
        return lookup[close[0]] if close else None

    def ids(self, vocabulary: Vocabulary) -> list[str]:
        """Ids of a vocabulary, in file order (the order the site shows them in)."""
        return [term.id for term in getattr(self, vocabulary)]

    def term(self, vocabulary: Vocabulary, term_id: str) -> Term:
        return self._terms[vocabulary][term_id]  # type: ignore[attr-defined,no-any-return]

    def label(self, vocabulary: Vocabulary, term_id: str) -> str:
        return self.term(vocabulary, term_id).label
