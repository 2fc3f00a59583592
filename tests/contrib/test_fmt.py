"""`medssl fmt`: one canonical form for catalog files, comments kept, idempotent, values unchanged."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder.catalog.load import load_catalog
from site_builder.cli import main
from site_builder.contrib.fmt import FOLD_WIDTH, SCHEMA_LINE, canonical_text, format_files
from tests.conftest import REPO

SUMMARY = (
    "An encoder-decoder is pretrained to restore 3D sub-volumes corrupted by a combination of transformations, "
    "giving generic source models for transfer learning in 3D medical imaging."
)
MESSY = dedent(
    """\
    # A contributor's note at the top.
    venue: "MICCAI"
    title: "Models Genesis: Generic Autodidactic Models for 3D Medical Image Analysis"
    year: 2019
    modality: ["CT", MRI]   # both, per Table 1
    task: [segmentation]
    method: [generative]
    arxiv: "1908.06912"
    links: {code: 'https://github.com/MrGiovanni/ModelsGenesis', paper: "https://arxiv.org/abs/1908.06912"}
    summary: "SUMMARY"
    added: 2026-11-21
    """
).replace("SUMMARY", SUMMARY)


def test__messy_file_gets_schema_order_block_style_and_minimal_quotes():
    text = canonical_text(MESSY, "paper")
    lines = text.splitlines()
    assert lines[0] == SCHEMA_LINE
    keys = [line.split(":")[0] for line in lines if line and line[0].isalpha()]
    assert keys == ["title", "year", "venue", "modality", "task", "method", "arxiv", "links", "summary", "added"]
    assert "venue: MICCAI" in lines  # quotes only where YAML needs them
    assert "arxiv: '1908.06912'" in lines  # ... and kept where it does (else a float)
    assert "  - MRI" in lines and "[" not in text.split("summary")[0].replace("# both", "")
    assert "  paper: https://arxiv.org/abs/1908.06912" in lines
    summary = text[text.index("summary: >-") :].splitlines()[1:3]
    assert all(line.startswith("  ") and len(line) <= FOLD_WIDTH + 2 for line in summary)


def test__comments_are_kept():
    text = canonical_text(MESSY, "paper")
    assert "# A contributor's note at the top." in text
    assert "# both, per Table 1" in text


def test__fmt_is_idempotent_and_keeps_every_value():
    once = canonical_text(MESSY, "paper")
    assert canonical_text(once, "paper") == once
    assert yaml.safe_load(once) == yaml.safe_load(MESSY)


def test__the_schema_line_is_written_once():
    once = canonical_text(SCHEMA_LINE + "\n" + SCHEMA_LINE + "\n" + MESSY, "paper")
    assert once.count(SCHEMA_LINE) == 1


@pytest.mark.parametrize("kind", ["taxonomy.yaml", "resources.yaml"], ids=lambda kind: kind.removesuffix(".yaml"))
def test__the_real_vocabulary_files_format_without_changing_values(kind):
    original = (REPO / "catalog" / kind).read_text(encoding="utf-8")
    once = canonical_text(original, kind)
    assert yaml.safe_load(once) == yaml.safe_load(original)
    assert canonical_text(once, kind) == once


def test__check_mode_reports_and_writes_nothing(catalog_dir, write_paper, capsys, monkeypatch):
    path = write_paper("zhou2019-models-genesis", MESSY)
    before = path.read_bytes()
    monkeypatch.setenv("MEDSSL_ROOT", str(catalog_dir.parent))
    assert main(["fmt", "--check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "+venue: MICCAI" in out and "FAILED: 1 of 1 files are not in canonical form" in out
    assert path.read_bytes() == before
    assert main(["fmt"]) == 0  # the whole fixture catalog: taxonomy, datasets and the paper
    assert main(["fmt", "--check"]) == 0
    assert "already in canonical form" in capsys.readouterr().out
    assert load_catalog(catalog_dir).catalog.paper("zhou2019-models-genesis").venue == "MICCAI"


def test__a_broken_file_stops_fmt_before_anything_is_written(catalog_dir, write_paper):
    good = write_paper("zhou2019-models-genesis", MESSY)
    broken = write_paper("broken", "title: [unclosed\n")
    before = good.read_bytes()
    with pytest.raises(Exception, match=r"broken.yaml:2: cannot format"):
        format_files([good, broken], check=False)
    assert good.read_bytes() == before and broken.read_text() == "title: [unclosed\n"


def test__a_file_outside_the_catalog_is_a_usage_error(tmp_path: Path, capsys):
    stray = tmp_path / "notes.yaml"
    stray.write_text("a: 1\n")
    assert main(["fmt", str(stray)]) == 2
    assert "not a catalog file" in capsys.readouterr().err


_words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=60)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    title=_words.map(str.strip).filter(bool),
    summary=st.lists(_words, min_size=1, max_size=30).map(" ".join).map(str.strip).filter(bool),
    pretext=st.lists(_words.map(str.strip).filter(bool), min_size=1, max_size=4, unique=True),
)
def test__fmt_keeps_every_loaded_value_of_any_valid_paper(catalog_dir, write_paper, title, summary, pretext):
    """Property: for any valid paper, the loader sees the same Paper before and after fmt."""
    data = {
        "title": title.replace("\n", " "),
        "year": 2020,
        "venue": "MICCAI",
        "modality": ["CT"],
        "task": ["segmentation"],
        "method": ["generative"],
        "pretext": pretext,
        "arxiv": "2004.07882",
        "summary": summary,
    }
    path = write_paper("p", yaml.safe_dump(data, allow_unicode=True, sort_keys=True))
    before = load_catalog(catalog_dir)
    if before.catalog is None:  # the generated text is not a valid paper (e.g. a long title): not this property
        return
    format_files([path], check=False)
    after = load_catalog(catalog_dir)
    assert after.catalog is not None and after.catalog.paper("p") == before.catalog.paper("p")
    assert canonical_text(path.read_text(encoding="utf-8"), "paper") == path.read_text(encoding="utf-8")
