"""The JSON Schema of a paper file, generated from the pydantic model, for editors."""

from __future__ import annotations

import json
from typing import Any

from schema import Paper, Taxonomy
from schema.taxonomy import VOCABULARIES

SCHEMA_ID = "https://github.com/awesome-ssl-medical-imaging/awesome-ssl-medical-imaging/schema/paper.schema.json"


def render_paper_schema(taxonomy: Taxonomy) -> str:
    """JSON Schema text: the model's schema, with the taxonomy's ids as enums for autocomplete.

    `id` is dropped (the loader sets it from the file name). Aliases are accepted by
    `medssl validate` but not offered here, which nudges editors towards canonical ids.
    """
    schema: dict[str, Any] = Paper.model_json_schema(mode="validation")
    schema["properties"].pop("id", None)
    schema["required"] = [name for name in schema.get("required", []) if name != "id"]
    _add_enums(schema, taxonomy)
    document = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _add_enums(node: Any, taxonomy: Taxonomy) -> None:
    if isinstance(node, dict):
        vocabulary = node.get("x-vocabulary")
        if vocabulary in VOCABULARIES:
            node["enum"] = taxonomy.ids(vocabulary)
        for value in node.values():
            _add_enums(value, taxonomy)
    elif isinstance(node, list):
        for value in node:
            _add_enums(value, taxonomy)
