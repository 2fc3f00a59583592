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


@pytest.mark.parametrize("path", sources("site_builder", "render"), ids=lambda p: p.name)
def test__renderers_import_only_schema(path):
    assert imported_packages(path) & {"runnable_refs"} == set()
    assert {name for name in imported_packages(path) if name == "site_builder"} <= {"site_builder"}
    text = path.read_text()
    assert "open(" not in text and "read_text(" not in text, "renderers read no files"


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
