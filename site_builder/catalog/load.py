"""The sole reader of catalog/: YAML files -> a validated Catalog, or every problem at once.

Stages: read the taxonomy; read and validate each paper on its own; then, over the sound
entries, the catalog-wide checks (duplicates, dangling references). Problems are collected,
never raised, so a contributor sees all of them in one run.
"""

from __future__ import annotations

import contextlib
import difflib
import gc
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from schema import (
    Catalog,
    DatasetFile,
    ExcludedFile,
    Exclusion,
    Paper,
    ResourceFile,
    Taxonomy,
    find_catalog_issues,
    find_dangling_baselines,
    find_exclusion_overlaps,
)
from schema.resource import Resource
from site_builder.catalog.problems import Problem
from site_builder.catalog.yaml_reader import Document, FieldPath, YamlProblem, field_label, read_yaml_file

PAPERS_DIR = "papers"
TAXONOMY_FILE = "taxonomy.yaml"
RESOURCES_FILE = "resources.yaml"
DATASETS_FILE = "datasets.yaml"
EXCLUDED_FILE = "excluded.yaml"


@dataclass(frozen=True)
class LoadResult:
    """What loading found: the catalog when nothing is wrong, and every problem."""

    catalog: Catalog | None
    problems: list[Problem]
    papers_checked: int
    resources_checked: int

    @property
    def ok(self) -> bool:
        return not any(problem.severity == "error" for problem in self.problems)


def display_path(path: Path) -> str:
    """A path as a contributor would type it: relative to the working directory if inside it."""
    absolute = os.path.abspath(path)
    cwd = os.getcwd() + os.sep
    return absolute[len(cwd) :] if absolute.startswith(cwd) else absolute


def load_taxonomy(catalog_dir: Path) -> tuple[Taxonomy | None, list[Problem]]:
    path = catalog_dir / TAXONOMY_FILE
    shown = display_path(path)
    try:
        document = read_yaml_file(path)
    except YamlProblem as problem:
        return None, [Problem(shown, problem.line, problem.field, problem.message)]
    taxonomy, problems = _validate(Taxonomy, document.value, document, shown, context=None)
    return taxonomy, problems


def load_datasets(catalog_dir: Path, taxonomy: Taxonomy) -> tuple[DatasetFile | None, list[Problem]]:
    """catalog/datasets.yaml; an absent file is an empty vocabulary."""
    path = catalog_dir / DATASETS_FILE
    if not path.exists():
        return DatasetFile(datasets=()), []
    shown = display_path(path)
    try:
        document = read_yaml_file(path)
    except YamlProblem as problem:
        return None, [Problem(shown, problem.line, problem.field, problem.message)]
    return _validate(DatasetFile, document.value, document, shown, context={"taxonomy": taxonomy})


def load_paper(
    path: Path, taxonomy: Taxonomy, datasets: DatasetFile | None = None
) -> tuple[Paper | None, Document | None, list[Problem]]:
    """Read and validate one paper file; the id is the file name."""
    shown = display_path(path)
    try:
        document = read_yaml_file(path)
    except YamlProblem as problem:
        return None, None, [Problem(shown, problem.line, problem.field, problem.message)]
    return (*validate_paper_data(document, path.stem, shown, taxonomy, datasets),)


def validate_paper_data(
    document: Document, paper_id: str, shown: str, taxonomy: Taxonomy, datasets: DatasetFile | None = None
) -> tuple[Paper | None, Document, list[Problem]]:
    data = document.value
    if data is None:
        return None, document, [Problem(shown, 1, "", "the file is empty; see CONTRIBUTING.md for a template")]
    if not isinstance(data, dict):
        found = type(data).__name__
        return None, document, [Problem(shown, 1, "", f"expected a mapping of field: value, found a {found}")]
    if "id" in data:
        line = document.lines[("id",)]
        return None, document, [Problem(shown, line, "id", "remove it: a paper's id is its file name")]
    context = {"taxonomy": taxonomy, "datasets": datasets if datasets is not None else DatasetFile(datasets=())}
    paper, problems = _validate(Paper, {"id": paper_id, **data}, document, shown, context)
    for problem in problems:
        if problem.field == "id":
            object.__setattr__(problem, "message", f"file name {paper_id!r} must be lower-case words joined by dashes")
    return paper, document, problems


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Loading builds many small objects and no reference cycles; with the cyclic collector on,
    it rescans the growing heap again and again (a third of the load time at 10,000 papers)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_catalog(catalog_dir: Path, extra_papers: Iterable[Path] = ()) -> LoadResult:
    """Load catalog_dir (taxonomy, papers/*.yaml, resources.yaml) plus any extra paper files."""
    with _cyclic_gc_paused():
        return _load_catalog(catalog_dir, extra_papers)


def _load_catalog(catalog_dir: Path, extra_papers: Iterable[Path]) -> LoadResult:
    taxonomy, problems = load_taxonomy(catalog_dir)
    if taxonomy is None:
        return LoadResult(None, problems, 0, 0)
    datasets, dataset_problems = load_datasets(catalog_dir, taxonomy)
    problems += dataset_problems
    if datasets is None:
        return LoadResult(None, problems, 0, 0)

    papers_dir = catalog_dir / PAPERS_DIR
    # Sorted by name as text: cheaper than comparing Path objects, and the same order.
    names = sorted(os.listdir(papers_dir)) if papers_dir.is_dir() else []
    paths = [papers_dir / name for name in names if name.endswith(".yaml")]
    extra_papers = list(extra_papers)
    if extra_papers:  # resolving every path costs a system call each, so only when needed
        known = {path.resolve() for path in paths}
        paths += [path for path in extra_papers if path.resolve() not in known]
    stray = sorted((catalog_dir / PAPERS_DIR).glob("*.yml"))
    problems += [Problem(display_path(p), 1, "", "rename the file to end in .yaml") for p in stray]

    papers: list[Paper] = []
    documents: dict[str, tuple[str, Document]] = {}
    for path in paths:
        paper, document, paper_problems = load_paper(path, taxonomy, datasets)
        problems += paper_problems
        if paper is not None and document is not None:
            if paper.id in documents:
                other = documents[paper.id][0]
                problems.append(Problem(display_path(path), 1, "", f"same id as {other}"))
                continue
            papers.append(paper)
            documents[paper.id] = (display_path(path), document)

    for issue in find_catalog_issues(papers):
        shown, document = documents[issue.paper_id]
        other_shown = documents[issue.other_id][0] if issue.other_id else ""
        line = document.line_of(tuple(issue.field.split(".")))
        problems.append(Problem(shown, line, issue.field, f"{issue.message} {other_shown}".strip()))
    problems += _check_refs(papers, documents)
    for paper_id, index, missing in find_dangling_baselines(papers):
        shown, document = documents[paper_id]
        line = document.line_of(("results", index, "stands_for"))
        problems.append(Problem(shown, line, f"results[{index}].stands_for", f"no paper with id {missing!r}"))

    resources, resource_problems = _load_resources(catalog_dir, {paper.id for paper in papers})
    problems += resource_problems
    excluded, excluded_problems = _load_excluded(catalog_dir, papers, documents)
    problems += excluded_problems

    catalog = None
    if not any(problem.severity == "error" for problem in problems):
        catalog = Catalog(
            taxonomy=taxonomy,
            papers=tuple(papers),
            resources=tuple(resources),
            datasets=datasets,
            excluded=tuple(excluded),
        )
    return LoadResult(catalog, sorted(problems), len(paths), len(resources))


def _check_refs(papers: Sequence[Paper], documents: dict[str, tuple[str, Document]]) -> list[Problem]:
    """A paper's `refs:` must name runnable references that exist."""
    from runnable_refs.registry import reference_names  # torch-free

    names = reference_names()
    problems = []
    for paper in papers:
        for index, name in enumerate(paper.refs or ()):
            if name not in names:
                shown, document = documents[paper.id]
                hint = difflib.get_close_matches(name, names, n=1)
                suffix = f" (did you mean {hint[0]!r}?)" if hint else f"; known: {', '.join(sorted(names))}"
                problems.append(
                    Problem(shown, document.line_of(("refs", index)), "refs", f"no runnable reference {name!r}{suffix}")
                )
    return problems


def _load_resources(catalog_dir: Path, paper_ids: set[str]) -> tuple[list[Resource], list[Problem]]:
    path = catalog_dir / RESOURCES_FILE
    if not path.exists():
        return [], []
    shown = display_path(path)
    try:
        document = read_yaml_file(path)
    except YamlProblem as problem:
        return [], [Problem(shown, problem.line, problem.field, problem.message)]
    parsed, problems = _validate(ResourceFile, document.value, document, shown, context=None)
    if parsed is None:
        return [], problems
    for index, resource in enumerate(parsed.resources):
        for related_index, paper_id in enumerate(resource.related or ()):
            if paper_id not in paper_ids:
                line = document.line_of(("resources", index, "related", related_index))
                problems.append(Problem(shown, line, f"resources[{index}].related", f"no paper with id {paper_id!r}"))
    return list(parsed.resources), problems


def load_excluded(catalog_dir: Path) -> tuple[list[Exclusion], Document | None, list[Problem]]:
    """catalog/excluded.yaml on its own (no cross-check against papers); absent means empty."""
    path = catalog_dir / EXCLUDED_FILE
    if not path.exists():
        return [], None, []
    shown = display_path(path)
    try:
        document = read_yaml_file(path)
    except YamlProblem as problem:
        return [], None, [Problem(shown, problem.line, problem.field, problem.message)]
    parsed, problems = _validate(ExcludedFile, document.value, document, shown, context=None)
    return (list(parsed.excluded) if parsed else []), document, problems


def _load_excluded(
    catalog_dir: Path, papers: Sequence[Paper], documents: dict[str, tuple[str, Document]]
) -> tuple[list[Exclusion], list[Problem]]:
    excluded, document, problems = load_excluded(catalog_dir)
    if document is None or problems:
        return excluded, problems
    shown = display_path(catalog_dir / EXCLUDED_FILE)
    ids = {paper.id for paper in papers}
    for index, paper_id, what in find_exclusion_overlaps(papers, excluded):
        line = document.line_of(("excluded", index))
        problems.append(
            Problem(shown, line, f"excluded[{index}]", f"same {what} as {documents[paper_id][0]}: it is in the catalog")
        )
    for index, exclusion in enumerate(excluded):
        if exclusion.duplicate_of is not None and exclusion.duplicate_of not in ids:
            line = document.line_of(("excluded", index, "duplicate_of"))
            problems.append(
                Problem(shown, line, f"excluded[{index}].duplicate_of", f"no paper with id {exclusion.duplicate_of!r}")
            )
    return excluded, problems


def _validate(
    model: type[BaseModel], data: Any, document: Document, shown: str, context: dict[str, Any] | None
) -> tuple[Any, list[Problem]]:
    """Validate `data` against `model`; pydantic's errors become Problems with lines."""
    if data is None or not isinstance(data, dict):
        found = "nothing" if data is None else f"a {type(data).__name__}"
        return None, [Problem(shown, 1, "", f"expected a mapping of field: value, found {found}")]
    try:
        return model.model_validate(data, context=context), []
    except ValidationError as error:
        return None, [_problem_from_error(raw, model, document, shown) for raw in error.errors()]


def _problem_from_error(error: Any, model: type[BaseModel], document: Document, shown: str) -> Problem:
    loc: FieldPath = tuple(part for part in error["loc"] if isinstance(part, int | str))
    kind = error["type"]
    message = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        message = f"unknown field {loc[-1]!r}"
        message += f" (did you mean {hint[0]!r}?)" if hint else f"; allowed: {', '.join(allowed)}"
        return Problem(shown, document.line_of(loc), field_label(loc), message)
    if kind == "missing":
        return Problem(
            shown, document.line_of(loc[:-1]) if len(loc) > 1 else 1, field_label(loc), "required field is missing"
        )
    if kind in {"int_type", "string_type", "list_type", "bool_type", "model_type", "dict_type", "date_type"}:
        got = type(error.get("input")).__name__
        message = f"{message} (got {_yaml_type(got)}: {_short(error.get('input'))})"
    return Problem(shown, document.line_of(loc), field_label(loc), message)


def _allowed_keys(model: type[BaseModel], path: FieldPath) -> list[str]:
    current: Any = model
    for part in path:
        if isinstance(part, int) or not (isinstance(current, type) and issubclass(current, BaseModel)):
            continue
        annotation = current.model_fields[part].annotation
        current = _inner_model(annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [name for name in current.model_fields if name != "id"]
    return []


def _inner_model(annotation: Any) -> Any:
    # Unwrap Optional[...] and list[...] to the model inside, if any.
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if isinstance(found, type) and issubclass(found, BaseModel):
            return found
    return annotation


def _yaml_type(python_type: str) -> str:
    return {
        "str": "text",
        "int": "a number",
        "float": "a number",
        "list": "a list",
        "dict": "a mapping",
        "NoneType": "nothing",
        "bool": "true/false",
        "date": "a date",
    }.get(python_type, python_type)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
