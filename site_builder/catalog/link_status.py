"""The committed record of each link's last check, `catalog/link-status.json`, and its reader.

`medssl links` writes it (site_builder.links.record); the website reads it through
`load_link_status` and `paper_link_status` to show, per paper, whether its code and weights
were reachable and as of which date.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from pathlib import Path

from schema import Paper
from site_builder.catalog import paths
from site_builder.catalog.problems import ProblemsFound

STATUS_FILE = "link-status.json"
LINK_FIELDS = ("paper", "pdf", "code", "project")
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


def paper_urls(paper: Paper) -> list[tuple[str, str]]:
    """(field, url) for every link of a paper: links.* and each released weights URL."""
    found = [(f"links.{field}", url) for field in LINK_FIELDS if (url := getattr(paper.links, field))]
    found += [(f"weights[{index}]", weights.url) for index, weights in enumerate(paper.weights or ())]
    return found


def paper_link_status(paper: Paper, records: dict[str, LinkRecord]) -> dict[str, LinkRecord]:
    """The paper's link fields ('code', 'weights', ...) that have a recorded check; the first
    weights URL stands for 'weights'."""
    found: dict[str, LinkRecord] = {}
    for field, url in paper_urls(paper):
        name = field.removeprefix("links.").split("[")[0]
        if url in records and name not in found:
            found[name] = records[url]
    return found
