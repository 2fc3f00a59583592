"""The record of `medssl refresh` runs, `catalog/refresh-status.json`, and its reader.

`medssl refresh` writes it (site_builder.contrib.refresh); `medssl doctor` reads it to list
preprints that nobody has compared with the bibliographic records for a while.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from site_builder.catalog import paths
from site_builder.catalog.problems import ProblemsFound

STATUS_FILE = "refresh-status.json"


@dataclass(frozen=True)
class VenueChange:
    """A preprint's venue that `medssl refresh --apply` replaced by its published venue."""

    old: str
    new: str
    applied: datetime.date


@dataclass(frozen=True)
class RefreshRecord:
    refreshed: datetime.date
    proposed: tuple[str, ...]  # fields refresh proposed to change and nobody has applied yet
    venue_change: VenueChange | None = None


def refresh_status_path(root: Path) -> Path:
    return paths.catalog_dir(root) / STATUS_FILE


def load_refresh_status(root: Path) -> dict[str, RefreshRecord]:
    """Paper id -> its last refresh; empty when refresh never ran."""
    path = refresh_status_path(root)
    try:
        records = {}
        for paper_id, raw in raw_refresh_status(root).get("papers", {}).items():
            change = raw.get("venue_change")
            records[paper_id] = RefreshRecord(
                datetime.date.fromisoformat(raw["refreshed"]),
                tuple(raw.get("proposed", ())),
                VenueChange(change["old"], change["new"], datetime.date.fromisoformat(change["applied"]))
                if change
                else None,
            )
        return records
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ProblemsFound(f"{path}: not a refresh record ({error}); rerun `medssl refresh`") from None


def raw_refresh_status(root: Path) -> dict[str, Any]:
    """The record as plain data (empty when refresh never ran), for a run that updates it."""
    path = refresh_status_path(root)
    if not path.exists():
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ProblemsFound(f"{path}: not a refresh record ({error}); rerun `medssl refresh`") from None
    if not isinstance(document, dict):
        raise ProblemsFound(f"{path}: not a refresh record (not an object); rerun `medssl refresh`")
    return document
