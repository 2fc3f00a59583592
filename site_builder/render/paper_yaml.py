"""A paper as the YAML text of its catalog file (used by `medssl add` and round-trip tests)."""

from __future__ import annotations

from typing import Any

import yaml

from schema import Paper

SCHEMA_LINE = "# yaml-language-server: $schema=../../schema/paper.schema.json\n"


class _Dumper(yaml.SafeDumper):
    """Block style for mappings, flow style for short lists of plain words."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.SequenceNode:
    flow = all(isinstance(item, str) and len(item) < 40 for item in data) and len(data) <= 8
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = ">" if len(data) > 100 and "\n" not in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(str, _represent_str)


def paper_to_data(paper: Paper) -> dict[str, Any]:
    """The fields a paper file holds, in schema order, without defaults or the id."""
    data = paper.model_dump(mode="python", exclude_none=True, exclude_defaults=True, exclude={"id"})
    if not data.get("links"):
        data.pop("links", None)
    return data


def render_paper_yaml(paper: Paper) -> str:
    body = yaml.dump(paper_to_data(paper), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return SCHEMA_LINE + body
