"""Generated files are replaced atomically: a killed writer leaves the old or the new file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from site_builder.catalog.write import create_exclusive, stale_diff, write_atomic
from tests.conftest import REPO

WRITER = """
import sys
from pathlib import Path
from site_builder.catalog.write import write_atomic
path = Path(sys.argv[1])
texts = ["A" * 4_000_000, "B" * 4_000_000]  # large, so that each write takes a while
print("ready", flush=True)
while True:
    for text in texts:  # alternate, so that every call really writes
        write_atomic(path, text)
"""


def test__write_atomic_replaces_and_reports_whether_it_changed(tmp_path):
    path = tmp_path / "out" / "README.md"
    assert write_atomic(path, "one\n") is True
    assert write_atomic(path, "one\n") is False
    assert write_atomic(path, "two\n") is True
    assert path.read_text() == "two\n"
    assert [p.name for p in path.parent.iterdir()] == ["README.md"]


@pytest.mark.parametrize("delay", [0.05, 0.15, 0.3, 0.6])
def test__killing_a_writer_mid_write_leaves_old_or_new_content(tmp_path, delay):
    path = tmp_path / "catalog.bib"
    old = "O" * 4_000_000
    path.write_text(old)
    process = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline() == "ready\n"
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    content = path.read_text()
    assert content in (old, "A" * 4_000_000, "B" * 4_000_000)


def test__create_exclusive_never_overwrites(tmp_path):
    path = tmp_path / "papers" / "a.yaml"
    create_exclusive(path, "first\n")
    with pytest.raises(FileExistsError):
        create_exclusive(path, "second\n")
    assert path.read_text() == "first\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["a.yaml"]


def test__racing_creators_of_one_name_have_exactly_one_winner(tmp_path):
    path = tmp_path / "p.yaml"

    def attempt(index: int) -> bool:
        try:
            create_exclusive(path, f"writer {index}\n")
            return True
        except FileExistsError:
            return False

    with ThreadPoolExecutor(max_workers=8) as pool:
        wins = list(pool.map(attempt, range(32)))
    assert wins.count(True) == 1
    assert path.read_text() == f"writer {wins.index(True)}\n"


def test__stale_diff_is_none_when_current_and_a_diff_otherwise(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("a\nb\n")
    assert stale_diff(path, "a\nb\n") is None
    diff = stale_diff(path, "a\nc\n")
    assert diff is not None and "-b\n" in diff and "+c\n" in diff


def test__write_atomic_keeps_permissions_readable(tmp_path):
    path = tmp_path / "x.txt"
    write_atomic(path, "x")
    assert os.stat(path).st_mode & 0o777 == 0o644
