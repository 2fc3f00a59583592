"""The steps behind the commands: load the catalog, then write or check each generated file.

Each function is usable from Python and from the CLI; they raise MedsslError subclasses,
which the CLI maps to exit codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from schema import Catalog
from site_builder.catalog import paths
from site_builder.catalog.load import LoadResult, display_path, load_catalog, load_taxonomy
from site_builder.catalog.problems import ProblemsFound, format_problems
from site_builder.catalog.write import stale_diff, write_atomic
from site_builder.references import readme_references
from site_builder.render.json_schema import render_paper_schema
from site_builder.render.readme import render_readme


def validate(root: Path, files: Sequence[Path] = ()) -> LoadResult:
    """Load the catalog plus `files`; with `files`, keep only problems about those files."""
    result = load_catalog(paths.catalog_dir(root), extra_papers=files)
    if files:
        wanted = {display_path(Path(file)) for file in files}
        problems = [problem for problem in result.problems if problem.path in wanted]
        return LoadResult(result.catalog, problems, len(files), result.resources_checked)
    return result


def load_or_fail(root: Path) -> Catalog:
    """The catalog, or ProblemsFound listing every problem."""
    result = load_catalog(paths.catalog_dir(root))
    if result.catalog is None:
        raise ProblemsFound("\n".join(format_problems(result.problems)))
    return result.catalog


def generate(path: Path, text: str, check: bool) -> str:
    """Write `text` to `path` atomically, or in check mode fail with a diff if it is stale."""
    if check:
        diff = stale_diff(path, text)
        if diff is not None:
            raise ProblemsFound(f"{display_path(path)} is stale; regenerate it.\n{diff}")
        return f"{display_path(path)} is up to date"
    changed = write_atomic(path, text)
    return f"{'wrote' if changed else 'unchanged'} {display_path(path)}"


def build_readme(root: Path, check: bool = False) -> str:
    catalog = load_or_fail(root)
    return generate(paths.readme_path(root), render_readme(catalog, readme_references()), check)


def build_paper_schema(root: Path, check: bool = False) -> str:
    taxonomy, problems = load_taxonomy(paths.catalog_dir(root))
    if taxonomy is None:
        raise ProblemsFound("\n".join(format_problems(problems)))
    return generate(paths.paper_schema_path(root), render_paper_schema(taxonomy), check)
