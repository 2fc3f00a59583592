"""`medssl`: thin commands that parse arguments and call site_builder functions.

Exit codes: 0 ok, 1 problems found, 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from site_builder import build
from site_builder.catalog import paths
from site_builder.catalog.problems import MedsslError, UsageError, format_problems
from site_builder.cli_contrib import add_contribution_commands


def _validate(args: argparse.Namespace) -> int:
    root = paths.project_root()
    missing = [str(file) for file in args.paths if not Path(file).is_file()]
    if missing:
        raise UsageError(f"no such file: {', '.join(missing)}")
    result = build.validate(root, [Path(file) for file in args.paths])
    for line in format_problems(result.problems):
        print(line)
    errors = sum(problem.severity == "error" for problem in result.problems)
    if errors:
        files = len({problem.path for problem in result.problems if problem.severity == "error"})
        print(f"FAILED: {errors} problem{'s' * (errors != 1)} in {files} file{'s' * (files != 1)}")
        return 1
    print(f"OK: {result.papers_checked} papers, {result.resources_checked} resources")
    return 0


def _readme(args: argparse.Namespace) -> int:
    print(build.build_readme(paths.project_root(), check=args.check))
    return 0


def _schema(args: argparse.Namespace) -> int:
    print(build.build_paper_schema(paths.project_root(), check=args.check))
    return 0


def _doctor(args: argparse.Namespace) -> int:
    import datetime

    from site_builder.catalog.quality import quality_report
    from site_builder.catalog.refresh_status import load_refresh_status
    from site_builder.render.quality import render_quality_json, render_quality_markdown

    root = paths.project_root()
    report = quality_report(build.load_or_fail(root), None, load_refresh_status(root), datetime.date.today())
    print(render_quality_json(report) if args.json else render_quality_markdown(report, args.per_paper), end="")
    return 0


def _refs(args: argparse.Namespace) -> int:
    from runnable_refs.cli import main as refs_main

    return refs_main(args.refs_args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="medssl", description="Maintain the catalog of self-supervised learning in medical imaging."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    validate = command("validate", _validate, "Check catalog files and report every problem at once.")
    validate.add_argument("paths", nargs="*", help="paper files to check (default: the whole catalog)")
    readme = command("readme", _readme, "Generate README.md from the catalog.")
    readme.add_argument("--check", action="store_true", help="fail with a diff if README.md is stale")
    schema = command("schema", _schema, "Generate schema/paper.schema.json from the pydantic models.")
    schema.add_argument("--check", action="store_true", help="fail with a diff if the file is stale")
    doctor = command("doctor", _doctor, "Report coverage and what each paper still lacks.")
    doctor.add_argument("--json", action="store_true", help="print the report as JSON")
    doctor.add_argument("--per-paper", action="store_true", help="also list every paper's gaps")
    refs = command("refs", _refs, "List, run, probe and smoke-test the runnable references (needs the refs extra).")
    refs.add_argument(
        "refs_args", nargs=argparse.REMAINDER, help="arguments for `medssl refs` (see `medssl refs --help`)"
    )
    add_contribution_commands(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["refs"]:  # hand everything after `refs` over untouched, --help included
        return _refs(argparse.Namespace(refs_args=arguments[1:]))
    parser = build_parser()
    args = parser.parse_args(arguments)
    try:
        return int(args.handler(args))
    except MedsslError as error:
        print(str(error), file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
