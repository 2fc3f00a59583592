"""Property: any valid paper survives export and import, through BibTeX and through JSON."""

from __future__ import annotations

import json
from functools import cache

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from schema import Catalog, Paper, Taxonomy
from site_builder.catalog.load import load_taxonomy
from site_builder.contrib.bibtex_import import read_bibtex
from site_builder.contrib.new_entry import normalise_venue
from site_builder.render.bibtex import render_bibtex
from site_builder.render.exports import render_papers_json
from tests.conftest import REPO

EXAMPLES = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@cache
def taxonomy() -> Taxonomy:
    loaded, _ = load_taxonomy(REPO / "catalog")
    assert loaded is not None
    return loaded


# Words mixing letters, accents, digits and every character LaTeX treats specially.
word = st.text(alphabet=st.sampled_from([*"abcXYZ019éüßłø&%$#_{}~^<>;:-'()?!.,", "Ω", "α"]), min_size=1, max_size=8)
line = st.lists(word, min_size=1, max_size=6).map(" ".join)
name = st.lists(
    st.text(alphabet=st.sampled_from([*"abcdeXYZéüøł'-"]), min_size=2, max_size=8), min_size=2, max_size=3
).map(lambda parts: " ".join(part.capitalize() for part in parts))


@st.composite
def papers(draw: st.DrawFn) -> Paper:
    vocabulary = {name: taxonomy().ids(name) for name in ("modality", "task", "method", "venue")}
    data = {
        "id": "p2020-x",
        "title": draw(line),
        "authors": draw(st.none() | st.lists(name, min_size=1, max_size=4, unique=True)),
        "year": draw(st.integers(1990, 2026)),
        "month": draw(st.none() | st.integers(1, 12)),
        "venue": draw(st.sampled_from(vocabulary["venue"])),
        "modality": draw(st.lists(st.sampled_from(vocabulary["modality"]), min_size=1, max_size=2, unique=True)),
        "task": draw(st.lists(st.sampled_from(vocabulary["task"]), min_size=1, max_size=2, unique=True)),
        "method": draw(st.lists(st.sampled_from(vocabulary["method"]), min_size=1, max_size=2, unique=True)),
        "arxiv": draw(st.from_regex(r"\A2[0-4]0[1-9]\.\d{5}\Z")),
        "doi": draw(st.none() | st.from_regex(r"\A10\.\d{4,6}/[a-z0-9.\-]{1,12}\Z")),
        "summary": draw(st.none() | line),
    }
    return Paper.model_validate(data, context={"taxonomy": taxonomy()})


def _paper_titled(title: str) -> Paper:
    fields = {"id": "p2020-x", "year": 2020, "venue": "MICCAI", "modality": ["CT"], "task": ["classification"]}
    return Paper.model_validate({**fields, "title": title, "method": ["contrastive"], "arxiv": "2001.00000"})


@EXAMPLES
@given(papers())
@example(_paper_titled("&#0 &amp; R&D"))  # once decoded as HTML entities on the way back in
@example(_paper_titled("<i>x</i> a<b"))
def test__bibtex_export_then_import_gives_the_same_paper(paper: Paper):
    entries, rejections = read_bibtex(render_bibtex(Catalog(taxonomy=taxonomy(), papers=(paper,))))
    assert rejections == []
    (entry,) = entries
    metadata = entry.metadata
    assert entry.key == paper.id
    assert metadata.title == paper.title
    assert list(metadata.authors) == list(paper.authors or [])
    assert (metadata.year, metadata.month, metadata.doi, metadata.arxiv) == (
        paper.year,
        paper.month,
        paper.doi,
        paper.arxiv,
    )
    assert normalise_venue(taxonomy(), metadata.venue_names) == paper.venue


@EXAMPLES
@given(papers())
def test__json_export_then_load_gives_the_same_paper(paper: Paper):
    (record,) = json.loads(render_papers_json(Catalog(taxonomy=taxonomy(), papers=(paper,))))["papers"]
    assert record.pop("url") == paper.url  # derived, not a field
    assert Paper.model_validate(record, context={"taxonomy": taxonomy()}) == paper
