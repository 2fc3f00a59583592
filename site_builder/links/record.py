"""Writing the link-status record (catalog/link-status.json) from a check's results.

Deterministic: sorted keys and no timings, so the same check gives the same bytes. The
catalog package reads it back (site_builder.catalog.link_status).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable

from site_builder.links.check import LinkResult


def render_link_status(results: Iterable[LinkResult], checked: datetime.date) -> str:
    """The record file's text: one object per URL, keys sorted, so the same check gives the same bytes."""
    links: dict[str, dict[str, object]] = {}
    for result in results:
        record: dict[str, object] = {"checked": checked.isoformat(), "status": result.outcome}
        if result.status is not None:
            record["code"] = result.status
        if result.final_url:
            record["final_url"] = result.final_url
        links[result.url] = record
    document = {"checked": checked.isoformat(), "links": links}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
