"""The awesome-list README: papers grouped by their main task, newest first."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from schema import Catalog, Paper
from site_builder.render.environment import markdown_environment
from site_builder.render.leaderboards import Leaderboard, leaderboards

# The website's address, as mkdocs.yml's site_url defaults to (tests/test_readme.py keeps the two equal).
# The README links the site with it; MEDSSL_SITE_URL changes a build's address, never the README.
SITE_URL = "https://awesome-ssl-medical-imaging.github.io/awesome-ssl-medical-imaging/"

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


@dataclass(frozen=True)
class BenchmarkLine:
    """A dataset with leaderboards, as the README's Benchmarks section lists it."""

    name: str
    url: str  # its page on the website
    boards: int
    papers: int
    metrics: list[str]  # metric labels, in taxonomy order


def benchmark_lines(catalog: Catalog, boards: Sequence[Leaderboard]) -> list[BenchmarkLine]:
    by_dataset: dict[str, list[Leaderboard]] = {}
    for board in boards:
        by_dataset.setdefault(board.dataset, []).append(board)
    metric_order = {metric: i for i, metric in enumerate(catalog.taxonomy.ids("metric"))}
    lines = []
    for dataset_id, its_boards in by_dataset.items():  # boards come in datasets.yaml order
        metrics = sorted({board.metric for board in its_boards}, key=lambda m: metric_order.get(m, len(metric_order)))
        lines.append(
            BenchmarkLine(
                catalog.datasets.get(dataset_id).name,
                f"{SITE_URL}{its_boards[0].url.split('#')[0]}",
                len(its_boards),
                len({paper_id for board in its_boards for paper_id in board.paper_ids}),
                [catalog.taxonomy.label("metric", metric) for metric in metrics],
            )
        )
    return lines


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
        benchmarks=benchmark_lines(catalog, leaderboards(catalog)),
        benchmarks_url=f"{SITE_URL}benchmarks/",
        references=[reference for reference in references if reference.paper in catalog],
        reference_paths={reference.name: reference.path for reference in references},
        anchor=github_anchor,
    )
