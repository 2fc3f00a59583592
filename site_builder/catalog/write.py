"""The one writer of generated files: atomic replacement, or a diff in check mode."""

from __future__ import annotations

import difflib
import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str) -> bool:
    """Write `text` to `path` so readers see the old or the new file, never half of one.

    Returns False (and leaves the file's mtime alone) when the content is already current,
    so mkdocs' watcher and make do not see a change that is not there.
    """
    data = text.encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def create_exclusive(path: Path, text: str) -> None:
    """Create a new file atomically; raise FileExistsError if `path` already exists.

    A hard link from a finished temporary file is atomic and fails if the name is taken,
    so two writers racing for one name cannot both win and no reader sees a partial file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.link(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)


def stale_diff(path: Path, text: str) -> str | None:
    """None when `path` holds exactly `text`; otherwise a unified diff from file to expected."""
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if current == text:
        return None
    diff = difflib.unified_diff(
        current.splitlines(keepends=True),
        text.splitlines(keepends=True),
        fromfile=f"{path} (committed)",
        tofile=f"{path} (generated)",
    )
    return "".join(diff) or f"{path} differs only in line endings\n"
