"""Data flows one way: the import rules of STYLE.md, checked by reading the sources."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGES = ("schema", "site_builder", "runnable_refs")


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def sources(package: str, subpath: str = "") -> list[Path]:
    return sorted((REPO / package / subpath).rglob("*.py"))


@pytest.mark.parametrize("path", sources("schema"), ids=lambda p: p.name)
def test__schema_imports_nothing_of_ours(path):
    assert imported_packages(path) & {"site_builder", "runnable_refs"} == set()


def site_builder_modules(path: Path) -> set[str]:
    """The site_builder sub-packages or top-level modules `path` imports: 'catalog', 'render', 'cli', ..."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        modules = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module] if node.module != "site_builder" else [f"site_builder.{a.name}" for a in node.names]
        names |= {module.split(".")[1] for module in modules if module.startswith("site_builder.")}
    return names


# Each stage and what it may import of site_builder. Data flows one way: catalog is read by all
# and imports none of them; render, contrib and links sit beside each other; the CLI, the build
# recipe and the mkdocs hooks at the top wire them together.
ALLOWED = {
    "catalog": set(),
    "render": {"catalog"},
    "links": {"catalog", "http_client"},
    "contrib": {"catalog", "http_client"},
    "http_client": {"catalog"},
}


@pytest.mark.parametrize("stage", sorted(ALLOWED))
def test__stages_import_one_way(stage):
    files = sources("site_builder", stage) if (REPO / "site_builder" / stage).is_dir() else []
    files = files or [REPO / "site_builder" / f"{stage}.py"]
    for path in files:
        used = site_builder_modules(path) - {stage}
        assert used <= ALLOWED[stage], f"{path.relative_to(REPO)} imports site_builder.{sorted(used - ALLOWED[stage])}"


def test__the_one_way_rule_catches_a_backward_import(tmp_path):
    planted = tmp_path / "load.py"
    planted.write_text("from site_builder.render.readme import render_readme\n")
    assert site_builder_modules(planted) - ALLOWED["catalog"] == {"render"}


@pytest.mark.parametrize("path", sources("site_builder", "render"), ids=lambda p: p.name)
def test__renderers_read_no_files(path):
    assert imported_packages(path) & {"runnable_refs"} == set()
    text = path.read_text()
    assert "open(" not in text and "read_text(" not in text, "renderers read no files"


@pytest.mark.parametrize("path", sources("runnable_refs"), ids=lambda p: str(p.relative_to(REPO)))
def test__runnable_references_never_import_site_builder(path):
    assert "site_builder" not in imported_packages(path)


@pytest.mark.parametrize("path", sources("runnable_refs", "harness"), ids=lambda p: p.name)
def test__the_harness_never_imports_the_refs_cli(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert "runnable_refs.cli" not in modules


def test__only_the_loader_reads_the_catalog():
    readers = [
        path.name
        for path in sources("site_builder")
        if "yaml_reader" in path.read_text() and path.name not in {"load.py", "yaml_reader.py"}
    ]
    assert readers == []


def test__base_install_does_not_import_torch():
    for path in [*sources("schema"), *sources("site_builder")]:
        assert "torch" not in imported_packages(path), path
    assert "torch" not in imported_packages(REPO / "runnable_refs" / "registry.py")
