"""Properties that must hold for any input: the loader never crashes, rendering is stable."""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schema import Taxonomy
from site_builder.catalog.load import load_taxonomy, validate_paper_data
from site_builder.catalog.yaml_reader import YamlProblem, parse_yaml
from tests.conftest import GOOD_PAPER, REPO

EXAMPLES = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])

FIELD_NAMES = [
    "title",
    "year",
    "venue",
    "modality",
    "task",
    "method",
    "links",
    "paper",
    "code",
    "doi",
    "arxiv",
    "results",
    "value",
    "refs",
    "added",
    "summary",
    "authors",
    "id",
    "scope",
    "dimension",
    "weights",
    "checked",
    "retracted",
    "pretraining_data",
    "printed",
    "protocol",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.sampled_from(
        ["CT", "MICCAI", "https://example.org/x", "javascript:alert(1)", "1908.06912", "2019", "2026-11-21"]
    ),
)
documents = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=25,
)


@cache
def taxonomy() -> Taxonomy:
    loaded, _ = load_taxonomy(REPO / "catalog")
    assert loaded is not None
    return loaded


def load_bytes(data: bytes) -> None:
    """The loader's contract: a Paper, or problems; anything else escaping is a bug."""
    try:
        document = parse_yaml(data)
    except YamlProblem as problem:
        assert problem.line >= 1 and problem.message
        return
    paper, _, problems = validate_paper_data(document, "p", "p.yaml", taxonomy())
    assert (paper is None) == bool(problems)
    for problem in problems:
        assert problem.line >= 1 and problem.message


@EXAMPLES
@given(documents)
def test__any_yaml_document_gives_a_paper_or_problems(value):
    load_bytes(yaml.safe_dump(value, allow_unicode=True).encode())


@EXAMPLES
@given(st.binary(max_size=300))
def test__any_bytes_give_a_paper_or_problems(data):
    load_bytes(data)


@EXAMPLES
@given(st.text(alphabet=st.sampled_from([*"ab:-[]{}&*!|>'\"#%@`\t\n ,?", "\u00e9", "\ufeff"]), max_size=80))
def test__yaml_syntax_soup_gives_a_paper_or_problems(text):
    load_bytes(text.encode())


@EXAMPLES
@given(st.dictionaries(st.sampled_from(FIELD_NAMES), scalars, max_size=8))
def test__good_paper_with_any_fields_replaced_gives_a_paper_or_problems(changes):
    base = yaml.safe_load(GOOD_PAPER)
    load_bytes(yaml.safe_dump({**base, **changes}, allow_unicode=True).encode())


def test__generated_files_are_identical_across_hash_seeds(tmp_path: Path):
    """Sets and dicts must never leak their hash order into any output: README, schema, site, exports."""
    script = (
        "import sys; from pathlib import Path; "
        "from site_builder.build import load_or_fail; from site_builder.render.readme import render_readme; "
        "from site_builder.references import readme_references; "
        "from site_builder.render.json_schema import render_paper_schema; "
        "from site_builder.render.site import SiteSettings, render_site_files; "
        "catalog = load_or_fail(Path(sys.argv[1])); "
        "site = render_site_files(catalog, SiteSettings('https://example.org/', 'https://github.com/o/r')); "
        "sys.stdout.write(render_readme(catalog, readme_references()) + render_paper_schema(catalog.taxonomy)); "
        "[sys.stdout.write(path + '\\n' + site[path]) for path in sorted(site)]"
    )
    outputs = set()
    for seed in ("0", "1", "12345"):
        environment = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", script, str(REPO)], capture_output=True, env=environment, cwd=REPO, check=True
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1
