"""The contribution commands of `medssl`: add, import bib, export bib, links.

Thin like the rest of the CLI: parse, call a site_builder function, print its report. Heavy
imports (requests, bibtexparser) happen inside the handlers so `medssl validate` stays quick.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from collections.abc import Callable
from pathlib import Path

from site_builder.catalog import paths
from site_builder.catalog.load import display_path
from site_builder.catalog.problems import UsageError
from site_builder.cli_issue import add_issue_command

Register = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]


def _add(args: argparse.Namespace) -> int:
    from site_builder.contrib.add import add_paper, report_lines

    bibtex = Path(args.bibtex) if args.bibtex else None
    added = add_paper(paths.project_root(), args.reference, bibtex, offline=args.offline)
    print("\n".join(report_lines(added)))
    return 0


def _import_bib(args: argparse.Namespace) -> int:
    from site_builder.catalog.load import display_path
    from site_builder.contrib.bibtex_import import import_bibtex

    outcomes = import_bibtex(paths.project_root(), Path(args.file), dry_run=args.dry_run)
    verbs = {"created": "would create" if args.dry_run else "created", "skipped": "skipped", "rejected": "rejected"}
    for outcome in outcomes:
        where = f"{args.file}:{outcome.line}" + (f" {outcome.key}" if outcome.key else "")
        target = f" -> {display_path(outcome.path)}" if outcome.path else ""
        print(f"{verbs[outcome.action]}: {where}{target}: {outcome.detail}")
    counts = {action: sum(outcome.action == action for outcome in outcomes) for action in verbs}
    print(
        f"{len(outcomes)} entries: {counts['created']} {verbs['created']}, "
        f"{counts['skipped']} skipped as duplicates, {counts['rejected']} rejected"
        + (" (dry run: nothing written)" if args.dry_run else "")
    )
    if counts["created"] and not args.dry_run:
        print("Each created file fails `medssl validate` until its proposals are confirmed; see CONTRIBUTING.md.")
    return 1 if counts["rejected"] else 0


def _export_bib(args: argparse.Namespace) -> int:
    from site_builder.build import generate, load_or_fail
    from site_builder.render.bibtex import render_bibtex

    root = paths.project_root()
    output = Path(args.output) if args.output else root / "catalog.bib"
    print(generate(output, render_bibtex(load_or_fail(root)), args.check))
    return 0


def _links(args: argparse.Namespace) -> int:
    from site_builder.build import load_or_fail
    from site_builder.catalog.link_status import link_status_path
    from site_builder.catalog.load import display_path
    from site_builder.catalog.write import write_atomic
    from site_builder.links.check import LinkSettings, TerminalProgress, check_links, collect_links
    from site_builder.links.record import render_link_status
    from site_builder.links.report import render_json_report, render_markdown_report, summary_line

    root = paths.project_root()
    settings = LinkSettings(
        timeout=args.timeout, slow_after=args.slow, workers=args.workers, per_host_delay=args.per_host_delay
    )
    targets = collect_links(load_or_fail(root))
    progress = TerminalProgress(sys.stderr) if sys.stderr.isatty() else None
    results = check_links([target.url for target in targets], settings, progress)
    today = datetime.date.today()
    if not args.no_record:
        write_atomic(link_status_path(root), render_link_status(results, today))
        print(f"recorded {display_path(link_status_path(root))}")
    if args.report_md:
        write_atomic(Path(args.report_md), render_markdown_report(results, targets, settings, today))
    if args.report_json:
        write_atomic(Path(args.report_json), render_json_report(results, targets, settings, today))
    for result in results:
        if result.outcome == "dead":
            print(f"dead: {result.url}: {result.detail}")
    print(summary_line(results))
    return 1 if any(result.outcome == "dead" for result in results) else 0


def _fmt(args: argparse.Namespace) -> int:
    from site_builder.contrib.fmt import catalog_files, format_files

    root = paths.project_root()
    targets = [Path(file) for file in args.paths] or catalog_files(paths.catalog_dir(root))
    missing = [str(file) for file in targets if not file.is_file()]
    if missing:
        raise UsageError(f"no such file: {', '.join(missing)}")
    outcomes = format_files(targets, check=args.check)
    changed = [outcome for outcome in outcomes if outcome.changed]
    for outcome in changed:
        if args.check:
            print(outcome.diff, end="")
        else:
            print(f"formatted {display_path(outcome.path)}")
    if args.check and changed:
        print(f"FAILED: {len(changed)} of {len(outcomes)} files are not in canonical form; run `medssl fmt`")
        return 1
    if changed:
        print(f"OK: formatted {len(changed)} of {len(outcomes)} files")
    else:
        print(f"OK: {len(outcomes)} files already in canonical form")
    return 0


def _refresh(args: argparse.Namespace) -> int:
    from site_builder.build import load_or_fail
    from site_builder.catalog.refresh_status import raw_refresh_status, refresh_status_path
    from site_builder.catalog.write import write_atomic
    from site_builder.contrib.refresh import refresh, render_refresh_status, resolve_selection
    from site_builder.http_client import MetadataClient, default_cache_dir

    root = paths.project_root()
    catalog = load_or_fail(root)
    selected = resolve_selection(catalog, args.papers)
    with MetadataClient(default_cache_dir(root), offline=args.offline) as client:
        reports = refresh(catalog, paths.catalog_dir(root), client, selected, apply=args.apply)
    for report in reports:
        shown = display_path(report.path)
        if report.changes:
            fields = ", ".join(change.field for change in report.changes)
            sources = ", ".join(dict.fromkeys(change.source for change in report.changes))
            print(f"{shown}: {'applied' if args.apply else 'proposes'} {fields} (from {sources})")
            print(report.diff, end="")
        for note in report.notes:
            print(f"{shown}: {note}")
        for error in report.errors:
            print(f"error: {shown}: {error}")
    if not args.no_record:
        previous = raw_refresh_status(root)
        write_atomic(
            refresh_status_path(root), render_refresh_status(reports, datetime.date.today(), previous, args.apply)
        )
    changed = sum(bool(report.changes) for report in reports)
    errors = sum(bool(report.errors) for report in reports)
    refused = sum(note.startswith("refused") for report in reports for note in report.notes)
    verb = "applied" if args.apply else "proposed"
    print(
        f"{len(reports)} paper{'s' * (len(reports) != 1)}: {changed} with changes {verb}, "
        f"{refused} look-alike record{'s' * (refused != 1)} refused, {errors} with errors"
    )
    if changed and args.apply:
        print("Review the changes, then set `checked:` on each file you confirmed.")
    return 1 if changed or errors else 0


def add_contribution_commands(command: Register) -> None:
    """Register add, import, export and links with the main parser's `command` helper."""
    add_issue_command(command)  # issue-entry, for workflows/issue-to-pr.yml
    add = command("add", _add, "Scaffold catalog/papers/<id>.yaml from an arXiv id, a DOI or a BibTeX entry.")
    add.add_argument("reference", nargs="?", help="arxiv:ID, an arXiv URL, doi:DOI or a DOI URL")
    add.add_argument("--bibtex", metavar="FILE", help="a .bib file holding the one entry to add")
    add.add_argument("--offline", action="store_true", help="use only cached API answers (.medssl-cache/)")

    importer = command("import", _import_bib, "Create catalog entries from a file of references.")
    formats = importer.add_subparsers(dest="format", required=True, metavar="FORMAT")
    bib = formats.add_parser("bib", help="a BibTeX file", description="Create an entry per new paper in FILE.")
    bib.add_argument("file", metavar="FILE", help="the .bib file")
    bib.add_argument("--dry-run", action="store_true", help="report what would happen; write nothing")

    exporter = command("export", _export_bib, "Write the catalog in another format.")
    formats = exporter.add_subparsers(dest="format", required=True, metavar="FORMAT")
    bib = formats.add_parser("bib", help="BibTeX", description="Write every paper as BibTeX (keys are ids).")
    bib.add_argument("-o", "--output", metavar="PATH", help="where to write (default: catalog.bib)")
    bib.add_argument("--check", action="store_true", help="fail with a diff if the file is stale")

    refresh = command(
        "refresh", _refresh, "Compare papers with OpenAlex/Crossref; propose published venues, DOIs, authors."
    )
    refresh.add_argument("papers", nargs="*", metavar="PAPER", help="paper ids or files (default: every paper)")
    refresh.add_argument("--apply", action="store_true", help="write the proposed changes (keeps comments)")
    refresh.add_argument("--offline", action="store_true", help="use only cached API answers (.medssl-cache/)")
    refresh.add_argument("--no-record", action="store_true", help="do not update catalog/refresh-status.json")

    fmt = command("fmt", _fmt, "Rewrite catalog files in their one canonical form (keeps comments).")
    fmt.add_argument("paths", nargs="*", help="files to format (default: every catalog file)")
    fmt.add_argument(
        "--check", action="store_true", help="change nothing; print diffs and exit 1 if any file would change"
    )

    links = command("links", _links, "Check every URL in the catalog; exit 1 if any is dead.")
    links.add_argument("--timeout", type=float, default=15.0, help="seconds before a link counts as dead")
    links.add_argument("--slow", type=float, default=5.0, help="seconds after which a link is reported slow")
    links.add_argument("--workers", type=int, default=8, help="requests in flight at once")
    links.add_argument("--per-host-delay", type=float, default=0.5, help="seconds between requests to one host")
    links.add_argument("--report-md", metavar="PATH", help="also write a Markdown report")
    links.add_argument("--report-json", metavar="PATH", help="also write a JSON report")
    links.add_argument("--no-record", action="store_true", help="do not update catalog/link-status.json")
