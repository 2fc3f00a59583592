"""`medssl doctor`'s report as Markdown or JSON."""

from __future__ import annotations

import json
from dataclasses import asdict

from site_builder.catalog.quality import QualityReport


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
    if per_paper:
        lines += ["## Papers with gaps", ""]
        lines += [f"- `{paper_id}`: {', '.join(gaps)}" for paper_id, gaps in report.gaps_by_paper]
        lines.append("")
    return "\n".join(lines)


def render_quality_json(report: QualityReport) -> str:
    return json.dumps(asdict(report), indent=2, ensure_ascii=False) + "\n"
