"""A problem found in the catalog, how it is printed, and the errors that end a command."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """Something wrong at `path:line` in `field`; errors fail the run, warnings do not."""

    path: str
    line: int
    field: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}"
        prefix = "" if self.severity == "error" else "warning: "
        return f"{where}: {self.field}: {prefix}{self.message}" if self.field else f"{where}: {prefix}{self.message}"

    def github_annotation(self) -> str:
        """The workflow command that makes GitHub show the problem on the changed line."""
        text = f"{self.field}: {self.message}" if self.field else self.message
        # Workflow commands end at a newline and treat % specially; escape both.
        text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return f"::{self.severity} file={self.path},line={self.line}::{text}"


def format_problems(problems: list[Problem]) -> list[str]:
    """Lines to print, sorted by file and line; annotation lines too under GitHub Actions."""
    lines = [str(problem) for problem in sorted(problems)]
    if os.environ.get("GITHUB_ACTIONS") == "true":
        lines += [problem.github_annotation() for problem in sorted(problems)]
    return lines


class MedsslError(Exception):
    """Base of the errors a command ends with; `exit_code` is what the CLI returns."""

    exit_code = 1


class ProblemsFound(MedsslError):
    """The catalog or a generated file is not as it should be."""

    exit_code = 1


class UsageError(MedsslError):
    """The command was called wrongly (bad arguments, missing files)."""

    exit_code = 2
