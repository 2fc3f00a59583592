"""Proposed modality, task, method and dimension for a new entry, from words in its title and abstract.

These are suggestions for a person to confirm, never facts: `medssl add` writes them as
comments. A term is proposed when its id, label, an alias or one of the extra cue words
below appears as a whole word; title hits rank before abstract hits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from schema import Taxonomy
from schema.taxonomy import Vocabulary

PROPOSED_VOCABULARIES: tuple[Vocabulary, ...] = ("modality", "task", "method", "dimension")
MAX_PROPOSALS = 3

# Cue words the taxonomy's aliases do not cover but that name a term in SSL papers.
EXTRA_CUES: dict[tuple[str, str], tuple[str, ...]] = {
    ("modality", "CT"): ("tomography scans", "chest ct"),
    ("modality", "X-ray"): ("radiographs", "chest x-rays"),
    ("modality", "histopathology"): ("whole-slide", "histological", "pathology images"),
    ("modality", "ultrasound"): ("ultrasonography",),
    ("modality", "dermoscopy"): ("dermoscopic",),
    ("modality", "fundus"): ("retinal images",),
    ("task", "segmentation"): ("segment",),
    ("task", "classification"): ("classify", "classifier"),
    ("task", "registration"): ("register",),
    ("method", "contrastive"): ("contrastive", "infonce", "positive pairs", "negative pairs"),
    ("method", "generative"): ("restoration", "reconstruct", "autoencoders", "in-painting", "generative"),
    ("method", "masked-image-modelling"): ("masked", "masking"),
    ("method", "self-distillation"): ("distillation", "teacher-student", "momentum teacher"),
    ("method", "predictive"): ("rotation prediction", "jigsaw", "rubik", "relative position"),
    ("method", "language-supervised"): ("radiology reports", "image-text", "text reports", "paired reports"),
    ("dimension", "3D"): ("volumes", "3-d"),
    ("dimension", "video"): ("videos", "frames"),
}
# Aliases too generic to be evidence on their own (an abstract says "natural", "pretext", "review").
GENERIC = {
    "natural",
    "other",
    "unknown",
    "various",
    "combined",
    "alignment",
    "pretext",
    "pretext task",
    "review",
    "benchmark",
    "pretraining",
    "pre-training",
    "feature learning",
    "improvement of model performance",
    "performance improvement",
    "temporal",
    "diagnosis",
}
SKIPPED_TERMS = {("modality", "unspecified")}


def _normalised(text: str) -> str:
    # Words only, one space apart: "X-ray," and "x ray" read the same; a cue then matches between spaces.
    return " " + re.sub(r"[^0-9a-z+]+", " ", text.casefold()) + " "


def _cues(taxonomy: Taxonomy, vocabulary: Vocabulary, term_id: str) -> Iterable[str]:
    term = taxonomy.term(vocabulary, term_id)
    yield from (term_id, term.label, *term.aliases, *EXTRA_CUES.get((vocabulary, term_id), ()))


def _first_position(cue: str, raw: str, normalised: str) -> int | None:
    """Where `cue` first appears as a whole word (plural allowed); short cues must be upper case."""
    if len(cue) <= 3:  # "us", "mr", "sr": only as written in capitals (US, MR, SR), never the word "us"
        match = re.search(rf"(?<![A-Za-z0-9]){re.escape(cue.upper())}s?(?![A-Za-z0-9])", raw)
        return match.start() if match else None
    match = re.search(rf"(?<=\s){re.escape(_normalised(cue).strip())}s?(?=\s)", normalised)
    return match.start() if match else None


def propose(taxonomy: Taxonomy, title: str, abstract: str | None) -> dict[Vocabulary, list[str]]:
    """Up to MAX_PROPOSALS term ids per vocabulary, best evidence first; empty lists where none fit."""
    texts = [(title, _normalised(title))]
    if abstract:
        texts.append((abstract, _normalised(abstract)))
    proposals: dict[Vocabulary, list[str]] = {}
    for vocabulary in PROPOSED_VOCABULARIES:
        ranked: list[tuple[int, int, str]] = []
        for term_id in taxonomy.ids(vocabulary):
            if (vocabulary, term_id) in SKIPPED_TERMS:
                continue
            best: tuple[int, int] | None = None
            for cue in _cues(taxonomy, vocabulary, term_id):
                if cue.casefold() in GENERIC:
                    continue
                for rank, (raw, normalised) in enumerate(texts):
                    position = _first_position(cue, raw, normalised)
                    if position is not None and (best is None or (rank, position) < best):
                        best = (rank, position)
            if best is not None:
                ranked.append((*best, term_id))
        chosen = [term_id for _, _, term_id in sorted(ranked)]
        if vocabulary == "modality" and len(chosen) > 1:
            # "transfer from natural images" is background in a medical abstract, not its modality.
            chosen = [term_id for term_id in chosen if term_id != "natural-images"]
        proposals[vocabulary] = chosen[:MAX_PROPOSALS]
    return proposals
