"""The committed record of each link's last check, `catalog/link-status.json`, and its reader.

`medssl links` writes it (atomically, deterministically: sorted keys, no timings); the website
reads it through `load_link_status` and `paper_link_status` to show, per paper, whether its
code and weights were reachable and as of which date.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from schema import Paper
from site_builder import paths
from site_builder.links import LINK_FIELDS, LinkResult
from site_builder.problems import ProblemsFound

STATUS_FILE = "link-status.json"
STATUSES = ("ok", "redirected", "blocked", "dead")


@dataclass(frozen=True)
class LinkRecord:
    """A link's state at its last check."""

    status: str  # ok | redirected | blocked | dead
    checked: datetime.date
    code: int | None = None  # HTTP status, when there was an answer
    final_url: str | None = None  # where a redirect led

    @property
    def reachable(self) -> bool | None:
        """True if it answered, False if dead, None if the host would not say (blocked)."""
        return {"ok": True, "redirected": True, "dead": False}.get(self.status)


def link_status_path(root: Path) -> Path:
    return paths.catalog_dir(root) / STATUS_FILE


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


def load_link_status(root: Path) -> dict[str, LinkRecord]:
    """URL -> its last check; empty when no check has been recorded yet."""
    path = link_status_path(root)
    if not path.exists():
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        records = {}
        for url, raw in document["links"].items():
            if raw["status"] not in STATUSES:
                raise ValueError(f"{url}: unknown status {raw['status']!r}")
            records[url] = LinkRecord(
                status=raw["status"],
                checked=datetime.date.fromisoformat(raw["checked"]),
                code=raw.get("code"),
                final_url=raw.get("final_url"),
            )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ProblemsFound(f"{path}: not a link-status record ({error}); rerun `medssl links`") from None
    return records


def paper_link_status(paper: Paper, records: dict[str, LinkRecord]) -> dict[str, LinkRecord]:
    """The paper's link fields ('code', 'weights', ...) that have a recorded check."""
    found = {}
    for field in LINK_FIELDS:
        url = getattr(paper.links, field)
        if url and url in records:
            found[field] = records[url]
    return found
