"""`medssl doctor`'s report as Markdown or JSON."""

from __future__ import annotations

import json
from dataclasses import asdict

from site_builder.catalog.quality import STALE_CHECK_DAYS, STALE_PREPRINT_DAYS, QualityReport


def _table(title: str, rows: list[tuple[object, int]], total: int) -> list[str]:
    lines = [f"| {title} | papers | share |", "|---|---:|---:|"]
    lines += [f"| {name} | {count} | {count / total:.0%} |" for name, count in rows] if total else []
    return [*lines, ""]


def render_quality_markdown(report: QualityReport, per_paper: bool = False) -> str:
    total = report.papers
    lines = [f"# Catalog quality: {total} papers", ""]
    lines += ["## Fields filled", "", *_table("field", report.field_counts, total)]
    lines += ["## Gaps to fill", "", *_table("gap", report.gap_counts, total)]
    for title, rows in (
        ("modality", report.by_modality),
        ("task", report.by_task),
        ("method", report.by_method),
        ("year", report.by_year),
    ):
        lines += [f"## Papers per {title}", "", *_table(title, rows, total)]
    lines += [f"## Stale (as of {report.as_of or 'no record yet'})", ""]
    lines += [
        f"Preprints not refreshed for {STALE_PREPRINT_DAYS} days and entries not checked for {STALE_CHECK_DAYS} days.",
        "",
    ]
    lines += [f"- `{paper_id}`: {why}" for paper_id, why in report.stale] or ["Nothing is stale."]
    lines.append("")
    if report.published_versions:
        lines += ["## Preprints with a published version (found by `medssl refresh`, not yet applied)", ""]
        lines += [f"- `{paper_id}`" for paper_id in report.published_versions] + [""]
    if report.retracted:
        lines += ["## Retracted (left out of every count above)", ""]
        lines += [f"- `{paper_id}`" for paper_id in report.retracted] + [""]
    if per_paper:
        lines += ["## Papers with gaps", ""]
        lines += [f"- `{paper_id}`: {', '.join(gaps)}" for paper_id, gaps in report.gaps_by_paper]
        lines.append("")
    return "\n".join(lines)


def render_quality_json(report: QualityReport) -> str:
    return json.dumps(asdict(report), indent=2, ensure_ascii=False) + "\n"
