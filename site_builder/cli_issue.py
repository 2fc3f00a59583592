"""`medssl issue-entry`: the command workflows/issue-to-pr.yml runs on an accepted "Suggest a paper" issue.

It reads the issue body from a file (never from the command line or the environment, where a
shell might see it), and writes what the workflow needs into --out-dir:
- on success (exit 0): the new catalog file in catalog/papers/, pr-title.txt and pr-body.md;
- when the issue cannot make an entry (exit 1): comment.md, and nothing in the catalog.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from site_builder.catalog import paths
from site_builder.catalog.load import display_path
from site_builder.catalog.problems import UsageError

Register = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]
MAX_BODY_BYTES = 4 * 65_536  # an issue body is at most 65,536 characters of up to 4 bytes each


def _issue_entry(args: argparse.Namespace) -> int:
    from site_builder.catalog.write import write_atomic
    from site_builder.contrib.issue_entry import add_issue_entry

    body_file = Path(args.body_file)
    try:
        data = body_file.read_bytes()[: MAX_BODY_BYTES + 1]
    except OSError as error:
        raise UsageError(f"cannot read {args.body_file}: {error.strerror}") from None
    # Undecodable bytes become U+FFFD, which the form check refuses; a body cut short here is still too
    # long (more than MAX_BODY_BYTES bytes are more than 65,536 characters), so it is refused too.
    body = data.decode("utf-8", errors="replace")
    outcome = add_issue_entry(paths.project_root(), body, args.issue, offline=args.offline)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if outcome.ok:
        assert outcome.path is not None
        write_atomic(out / "pr-title.txt", outcome.pr_title + "\n")
        write_atomic(out / "pr-body.md", outcome.pr_body)
        print(f"wrote {display_path(outcome.path)}; pull request text in {display_path(out)}")
        return 0
    write_atomic(out / "comment.md", outcome.comment)
    print(outcome.comment, end="")
    return 1


def add_issue_command(command: Register) -> None:
    issue = command("issue-entry", _issue_entry, "Make a catalog entry from a 'Suggest a paper' issue, or say why not.")
    issue.add_argument("--body-file", required=True, metavar="FILE", help="the issue body (Markdown), as a file")
    issue.add_argument("--issue", required=True, type=int, metavar="NUMBER", help="the issue's number")
    issue.add_argument("--out-dir", required=True, metavar="DIR", help="where to write pr-*.txt/md or comment.md")
    issue.add_argument("--offline", action="store_true", help="use only cached API answers (.medssl-cache/)")
