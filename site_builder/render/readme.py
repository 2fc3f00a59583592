"""The awesome-list README: papers grouped by their main task, newest first."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from schema import Catalog, Paper
from site_builder.render.environment import markdown_environment

RESOURCE_SECTIONS = (
    ("survey", "Surveys"),
    ("paper-list", "Paper lists"),
    ("blog", "Blogs"),
    ("video", "Videos"),
    ("talk", "Talks"),
    ("thesis", "Theses"),
    ("course", "Courses"),
)


@dataclass(frozen=True)
class ReadmeReference:
    """A runnable reference as the README lists it."""

    name: str
    path: str  # source file, relative to the repository root
    url: str  # the source file on GitHub (awesome-lint wants absolute links for list items)
    command: str
    paper: str  # catalog id
    pretext: str
    dimension: str


@dataclass(frozen=True)
class Section:
    title: str
    anchor: str
    papers: list[Paper]


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower-case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def render_readme(catalog: Catalog, references: Sequence[ReadmeReference] = ()) -> str:
    """README.md text; `references` are the runnable reference implementations, sorted by name."""
    taxonomy = catalog.taxonomy
    medical = [paper for paper in catalog.newest_first() if paper.scope == "medical"]
    by_main_task: dict[str, list[Paper]] = {}
    for paper in medical:
        by_main_task.setdefault(paper.task[0], []).append(paper)
    sections = [
        Section(taxonomy.label("task", task), github_anchor(taxonomy.label("task", task)), by_main_task[task])
        for task in taxonomy.ids("task")
        if task in by_main_task
    ]
    foundations = [paper for paper in catalog.newest_first() if paper.scope == "foundations"]
    resources = [
        (title, [resource for resource in catalog.resources if resource.kind == kind])
        for kind, title in RESOURCE_SECTIONS
    ]
    template = markdown_environment().get_template("README.md.j2")
    return template.render(
        catalog=catalog,
        taxonomy=taxonomy,
        medical_count=len(medical),
        sections=sections,
        foundations=foundations,
        resources=[(title, items, github_anchor(title)) for title, items in resources if items],
        references=[reference for reference in references if reference.paper in catalog],
        reference_paths={reference.name: reference.path for reference in references},
        anchor=github_anchor,
    )
