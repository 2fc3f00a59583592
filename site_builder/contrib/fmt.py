"""`medssl fmt`: one canonical form for every catalog file, so review diffs show only real changes.

The form: keys in schema order (unknown keys kept, last, for `validate` to report), block style
throughout, quotes only where YAML needs them, long summaries folded at 100 columns, and the
`yaml-language-server` line on paper files. It is a ruamel.yaml round trip, so comments stay,
and applying it twice changes nothing.
"""

from __future__ import annotations

import difflib
import io
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import FoldedScalarString, ScalarString

from schema import DatasetFile, ExcludedFile, Paper, ResourceFile, Taxonomy
from site_builder.catalog.load import DATASETS_FILE, EXCLUDED_FILE, PAPERS_DIR, RESOURCES_FILE, TAXONOMY_FILE
from site_builder.catalog.problems import ProblemsFound, UsageError
from site_builder.catalog.write import write_atomic

SCHEMA_LINE = "# yaml-language-server: $schema=../../schema/paper.schema.json"
FOLD_WIDTH = 100  # summaries longer than this are folded over lines of at most this many characters
# Free-text fields written as folded blocks when long.
_FOLDED_FIELDS = frozenset({"summary", "note", "description"})
# The model that gives each catalog file its key order.
_FILE_MODELS: dict[str, type[BaseModel]] = {
    TAXONOMY_FILE: Taxonomy,
    RESOURCES_FILE: ResourceFile,
    DATASETS_FILE: DatasetFile,
    EXCLUDED_FILE: ExcludedFile,
}


def round_trip_yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.width = 4096  # never wrap titles or URLs; summaries are folded on purpose instead
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.preserve_quotes = False
    yaml.allow_unicode = True
    return yaml


def _submodel(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (Optional[...], list[...], tuple[..., ...]), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) is typing.Annotated:
        return _submodel(typing.get_args(annotation)[0])
    for argument in typing.get_args(annotation):
        found = _submodel(argument)
        if found is not None:
            return found
    return None


def _fold(text: str) -> str:
    """A folded block scalar for long single-line prose; anything folding could alter stays as it is."""
    if len(text) <= FOLD_WIDTH or "\n" in text or "  " in text or "\t" in text or text != text.strip():
        return text
    folded = FoldedScalarString(text)
    positions, line_start, last_space = [], 0, -1
    for index, character in enumerate(text):
        if character == " ":
            if index - line_start > FOLD_WIDTH and last_space > line_start:
                positions.append(last_space)
                line_start = last_space + 1
            last_space = index
    if len(text) - line_start > FOLD_WIDTH and last_space > line_start:
        positions.append(last_space)
    folded.fold_pos = positions  # type: ignore[attr-defined]
    return folded


def _canonical(node: Any, model: type[BaseModel] | None, key: str | None = None) -> Any:
    """`node` rebuilt in canonical form: model key order, block style, plain scalars."""
    if isinstance(node, CommentedMap):
        fields = model.model_fields if model is not None else {}
        ordered = [name for name in fields if name in node] + [name for name in node if name not in fields]
        result = CommentedMap()
        for name in ordered:
            child_model = _submodel(fields[name].annotation) if name in fields else None
            result[name] = _canonical(node[name], child_model, str(name))
            if name in node.ca.items:
                result.ca.items[name] = node.ca.items[name]
        result.ca.comment = node.ca.comment
        result.ca.end = node.ca.end
        result.fa.set_block_style()
        return result
    if isinstance(node, CommentedSeq):
        result_seq = CommentedSeq(_canonical(item, model, key) for item in node)
        for index, comment in node.ca.items.items():
            result_seq.ca.items[index] = comment
        result_seq.ca.comment = node.ca.comment
        result_seq.ca.end = node.ca.end
        result_seq.fa.set_block_style()
        return result_seq
    if isinstance(node, str):
        text = str(node) if isinstance(node, ScalarString) else node
        return _fold(text) if key in _FOLDED_FIELDS else text
    return node


def canonical_text(text: str, kind: str) -> str:
    """The canonical form of a catalog file's text; `kind` is 'paper' or a catalog/ file name."""
    model = Paper if kind == "paper" else _FILE_MODELS[kind]
    yaml = round_trip_yaml()
    body = text
    if kind == "paper":  # the schema line is written fresh, exactly once, at the top
        body = "\n".join(line for line in text.splitlines() if line.strip() != SCHEMA_LINE) + "\n"
    data = yaml.load(body)
    if data is None:
        raise ValueError("the file is empty")
    if not isinstance(data, CommentedMap):
        raise ValueError(f"expected a mapping of field: value, found a {type(data).__name__}")
    stream = io.StringIO()
    yaml.dump(_canonical(data, model), stream)
    out = stream.getvalue()
    return f"{SCHEMA_LINE}\n{out}" if kind == "paper" else out


def render_paper_yaml(paper: Paper) -> str:
    """A validated paper as the canonical text of its catalog file (without defaults or its id)."""
    data = paper.model_dump(mode="python", exclude_none=True, exclude_defaults=True, exclude={"id"})
    if not data.get("links"):
        data.pop("links", None)
    stream = io.StringIO()
    round_trip_yaml().dump(data, stream)
    return canonical_text(stream.getvalue(), "paper")


def file_kind(path: Path) -> str:
    """'paper' for catalog/papers/*.yaml, else the catalog file's name; UsageError for anything else."""
    if path.parent.name == PAPERS_DIR and path.suffix == ".yaml":
        return "paper"
    if path.name in _FILE_MODELS:
        return path.name
    raise UsageError(f"{path}: not a catalog file (papers/*.yaml, {', '.join(sorted(_FILE_MODELS))})")


def catalog_files(catalog_dir: Path) -> list[Path]:
    """Every file `fmt` owns: the vocabularies, resources, exclusions and every paper."""
    files = [catalog_dir / name for name in sorted(_FILE_MODELS) if (catalog_dir / name).exists()]
    return files + sorted((catalog_dir / PAPERS_DIR).glob("*.yaml"))


@dataclass(frozen=True)
class FmtOutcome:
    path: Path
    changed: bool
    diff: str = ""


def format_files(paths: Sequence[Path], check: bool) -> list[FmtOutcome]:
    """Rewrite each file in canonical form (atomically), or in check mode only report the diff.

    Every file is read and formatted before any is written, so a broken file leaves all untouched.
    """
    formatted: list[tuple[Path, str, str]] = []
    problems: list[str] = []
    for path in paths:
        kind = file_kind(path)
        try:
            original = path.read_text(encoding="utf-8")
            formatted.append((path, original, canonical_text(original, kind)))
        except (OSError, UnicodeDecodeError, YAMLError, ValueError) as error:
            mark = getattr(error, "problem_mark", None)
            line = f":{mark.line + 1}" if mark is not None else ""
            problems.append(f"{path}{line}: cannot format: {_one_line(error)}")
    if problems:
        raise ProblemsFound("\n".join(problems))
    outcomes = []
    for path, original, canonical in formatted:
        changed = original != canonical
        diff = ""
        if changed:
            diff = "".join(
                difflib.unified_diff(
                    original.splitlines(keepends=True), canonical.splitlines(keepends=True), str(path), f"{path} (fmt)"
                )
            )
            if not check:
                write_atomic(path, canonical)
        outcomes.append(FmtOutcome(path, changed, diff))
    return outcomes


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
