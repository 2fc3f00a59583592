"""The link check's reports: Markdown for people (and the weekly issue), JSON for tools."""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from dataclasses import asdict

from site_builder.links.check import LinkResult, LinkSettings, LinkTarget


def summary_counts(results: Sequence[LinkResult]) -> dict[str, int]:
    counts = {"links": len(results), "ok": 0, "redirected": 0, "blocked": 0, "dead": 0}
    for result in results:
        counts[result.outcome] += 1
    counts["slow"] = sum(result.slow for result in results)
    return counts


def summary_line(results: Sequence[LinkResult]) -> str:
    counts = summary_counts(results)
    parts = ", ".join(f"{counts[name]} {name}" for name in ("ok", "redirected", "slow", "blocked", "dead"))
    return f"{counts['links']} links: {parts}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown_report(
    results: Sequence[LinkResult], targets: Sequence[LinkTarget], settings: LinkSettings, checked: datetime.date
) -> str:
    uses = {target.url: target.uses for target in targets}

    def used_by(url: str) -> str:
        return _cell("; ".join(uses.get(url, ())))

    lines = [f"# Link check, {checked.isoformat()}", "", summary_line(results) + "."]
    sections = [
        ("Dead", "dead", "link | problem | used by", lambda r: f"{_cell(r.detail)} | {used_by(r.url)}"),
        (
            "Redirected",
            "redirected",
            "link | now at | used by",
            lambda r: f"{_cell(r.final_url or '')} ({_cell(r.detail)}) | {used_by(r.url)}",
        ),
        (
            "Blocked",
            "blocked",
            "link | answer | used by",
            lambda r: f"{_cell(r.detail)} | {used_by(r.url)}",
        ),
    ]
    for title, outcome, header, row in sections:
        chosen = [result for result in results if result.outcome == outcome]
        if chosen:
            lines += ["", f"## {title} ({len(chosen)})", "", f"| {header} |", "|---|---|---|"]
            lines += [f"| {_cell(result.url)} | {row(result)} |" for result in chosen]
    slow = [result for result in results if result.slow]
    if slow:
        lines += ["", f"## Slow ({len(slow)}): answered after more than {settings.slow_after:g} s", ""]
        lines += ["| link | seconds | used by |", "|---|---|---|"]
        lines += [f"| {_cell(result.url)} | {result.seconds:.1f} | {used_by(result.url)} |" for result in slow]
    return "\n".join(lines) + "\n"


def render_json_report(
    results: Sequence[LinkResult], targets: Sequence[LinkTarget], settings: LinkSettings, checked: datetime.date
) -> str:
    uses = {target.url: list(target.uses) for target in targets}
    links = [
        {**asdict(result), "seconds": round(result.seconds, 2), "used_by": uses.get(result.url, [])}
        for result in results
    ]
    document = {
        "checked": checked.isoformat(),
        "settings": asdict(settings),
        "summary": summary_counts(results),
        "links": links,
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
