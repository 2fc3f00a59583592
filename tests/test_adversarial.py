"""Each hostile input: the exact message, exit 1, no traceback, and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_builder.cli import main
from tests.conftest import GOOD_PAPER
from tests.hostile_inputs import HOSTILE, Hostile


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(path.relative_to(root)): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in root.rglob("*")
        if path.is_file()
    }


def test__the_corpus_is_large_and_its_cases_distinct():
    assert len(HOSTILE) >= 40
    assert len({case.name for case in HOSTILE}) == len({case.content for case in HOSTILE}) == len(HOSTILE)


@pytest.mark.parametrize("case", HOSTILE, ids=lambda case: case.name)
def test__hostile_file_gives_its_exact_error_and_writes_nothing(case: Hostile, catalog_dir, write_paper, capsys):
    write_paper("zhou2019-models-genesis", GOOD_PAPER)
    assert main(["readme"]) == 0
    write_paper("p", case.content)
    before = snapshot(catalog_dir.parent)
    capsys.readouterr()

    assert main(["validate"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == case.expected
    assert lines[-1].startswith("FAILED: ")

    for command in (["readme"], ["export", "bib", "-o", "catalog.bib"]):
        assert main(command) == 1, command
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert snapshot(catalog_dir.parent) == before
