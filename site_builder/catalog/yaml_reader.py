"""Safe, strict YAML reading with a line number for every field.

Parsing uses libyaml through PyYAML's CSafeLoader (measured ~9x faster than the
pure-Python loader); turning nodes into Python values is done here so that duplicate
keys, anchors/aliases, merge keys and exotic tags are refused, and so that every value's
line is known for error messages.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 32

# The only tags a catalog file needs; anything else (!!python/..., !!binary, !!set) is refused.
_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"

FieldPath = tuple[str | int, ...]


class YamlProblem(Exception):
    """A file that cannot be read as catalog YAML; `line` is 1-based, `field` may be empty."""

    def __init__(self, line: int, message: str, field: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.field = field


@dataclass
class Document:
    """A YAML file's value and the line of every field path, e.g. ("links", "code") -> 14."""

    value: Any
    lines: dict[FieldPath, int] = field(default_factory=dict)

    def line_of(self, path: FieldPath) -> int:
        """The line of `path`, or of its nearest enclosing field that has one."""
        for end in range(len(path), 0, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return 1


def read_yaml_file(path: Path) -> Document:
    """Read one file; raise YamlProblem for anything a catalog file must not contain."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise YamlProblem(1, f"cannot read the file: {error.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise YamlProblem(1, f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} (256 KiB)")
    return parse_yaml(path.read_bytes())


def parse_yaml(data: bytes) -> Document:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise YamlProblem(line, f"not valid UTF-8 (byte 0x{data[error.start]:02x}); save the file as UTF-8") from None
    text = text.removeprefix("\ufeff")
    if "&" in text or "*" in text:
        _refuse_anchors(text)
    loader = yaml.CSafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as error:
        raise _invalid_yaml(error, text) from None
    finally:
        loader.dispose()
    document = Document(value=None)
    if node is not None:
        document.value = _Builder(document.lines).build(node, (), 0)
    return document


def _refuse_anchors(text: str) -> None:
    # Only files that contain & or * get this extra token pass, so the common case stays fast.
    try:
        for token in yaml.scan(text, Loader=yaml.CSafeLoader):
            if isinstance(token, yaml.AnchorToken | yaml.AliasToken):
                kind = "anchors (&)" if isinstance(token, yaml.AnchorToken) else "aliases (*)"
                raise YamlProblem(
                    token.start_mark.line + 1,
                    f"YAML {kind} are not allowed; write the value out in full",
                )
    except yaml.YAMLError as error:
        raise _invalid_yaml(error, text) from None


def _invalid_yaml(error: yaml.YAMLError, text: str) -> YamlProblem:
    """A parser error as a YamlProblem on the line where the parser stopped."""
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        return YamlProblem(mark.line + 1 if mark else 1, f"invalid YAML: {error.problem or error.context}")
    if isinstance(error, yaml.reader.ReaderError):  # a control character: say which, and where
        line = text.count("\n", 0, error.position) + 1
        character = error.character if isinstance(error.character, str) else chr(error.character)
        return YamlProblem(line, f"invalid YAML: control character {character!r} is not allowed")
    return YamlProblem(1, f"invalid YAML: {error}")


class _Builder:
    """Turns a node tree into Python values, recording lines and refusing unsafe shapes."""

    def __init__(self, lines: dict[FieldPath, int]) -> None:
        self.lines = lines
        self.constructor = SafeConstructor()
        self.seen: set[int] = set()

    def build(self, node: Node, path: FieldPath, depth: int) -> Any:
        line = node.start_mark.line + 1
        if depth > MAX_DEPTH:
            raise YamlProblem(line, f"nested more than {MAX_DEPTH} levels deep", field_label(path))
        if id(node) in self.seen:  # the composer shares a node only for an alias
            raise YamlProblem(line, "YAML aliases (*) are not allowed", field_label(path))
        self.seen.add(id(node))
        if isinstance(node, ScalarNode):
            if node.tag == _STR_TAG:  # the common case, and the value is already the text
                return node.value
            if node.tag not in _SCALAR_TAGS:
                raise YamlProblem(line, f"unsupported YAML tag {node.tag}", field_label(path))
            value = self.constructor.yaml_constructors[node.tag](self.constructor, node)
            if isinstance(value, datetime.datetime):
                raise YamlProblem(line, "give a date as YYYY-MM-DD, without a time", field_label(path))
            return value
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ_TAG:
                raise YamlProblem(line, f"unsupported YAML tag {node.tag}", field_label(path))
            items = []
            for index, item in enumerate(node.value):
                self.lines[(*path, index)] = item.start_mark.line + 1
                items.append(self.build(item, (*path, index), depth + 1))
            return items
        if isinstance(node, MappingNode):
            if node.tag != _MAP_TAG:
                raise YamlProblem(line, f"unsupported YAML tag {node.tag}", field_label(path))
            mapping: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key_line = key_node.start_mark.line + 1
                if key_node.tag == _MERGE_TAG:
                    raise YamlProblem(key_line, "YAML merge keys (<<) are not allowed", field_label(path))
                if not isinstance(key_node, ScalarNode) or key_node.tag != _STR_TAG:
                    raise YamlProblem(key_line, "keys must be plain field names", field_label(path))
                key = key_node.value
                if key in mapping:
                    first = self.lines[(*path, key)]
                    raise YamlProblem(
                        key_line, f"duplicated key (first given on line {first})", field_label((*path, key))
                    )
                self.lines[(*path, key)] = key_line
                mapping[key] = self.build(value_node, (*path, key), depth + 1)
            return mapping
        raise YamlProblem(line, "unsupported YAML node", field_label(path))  # pragma: no cover


def field_label(path: FieldPath) -> str:
    """Human form of a field path: ("results", 0, "value") -> "results[0].value".

    A trailing list index is dropped ("modality", 1) -> "modality": the line already points
    at the item, and contributors think in fields, not indices.
    """
    if path and isinstance(path[-1], int):
        path = path[:-1]
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
