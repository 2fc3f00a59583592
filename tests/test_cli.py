"""`medssl` as a contributor runs it: exit codes, output, annotations."""

from __future__ import annotations

import shutil

from site_builder.cli import main
from tests.conftest import GOOD_PAPER


def test__validate_prints_ok_with_counts(catalog_dir, write_paper, capsys):
    write_paper("zhou2019-models-genesis", GOOD_PAPER)
    assert main(["validate"]) == 0
    assert capsys.readouterr().out == "OK: 1 papers, 0 resources\n"


def test__validate_lists_every_problem_and_exits_1(catalog_dir, write_paper, capsys):
    write_paper("a", GOOD_PAPER.replace("[CT]", "[CTT]"))
    write_paper("b", "title: x\ntitle: y\n")
    assert main(["validate"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "catalog/papers/a.yaml:4: modality: 'CTT' is not a modality (did you mean 'CT'?)",
        "catalog/papers/b.yaml:2: title: duplicated key (first given on line 1)",
        "FAILED: 2 problems in 2 files",
    ]


def test__validate_given_paths_reports_only_those_files(catalog_dir, write_paper, capsys):
    write_paper("a", GOOD_PAPER.replace("[CT]", "[CTT]"))
    good = write_paper("zhou2019-models-genesis", GOOD_PAPER.replace('"1908.06912"', '"2004.07882"'))
    assert main(["validate", str(good.relative_to(catalog_dir.parent))]) == 0
    assert capsys.readouterr().out == "OK: 1 papers, 0 resources\n"


def test__validate_emits_github_annotations_under_actions(catalog_dir, write_paper, capsys, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    write_paper("a", GOOD_PAPER.replace("[CT]", "[CTT]"))
    assert main(["validate"]) == 1
    assert "::error file=catalog/papers/a.yaml,line=4::modality: 'CTT' is not a modality (did you mean 'CT'?)" in (
        capsys.readouterr().out.splitlines()
    )


def test__a_missing_file_is_a_usage_error(catalog_dir, capsys):
    assert main(["validate", "nope.yaml"]) == 2
    assert "no such file: nope.yaml" in capsys.readouterr().err


def test__readme_check_fails_with_a_diff_when_stale(catalog_dir, write_paper, capsys):
    write_paper("zhou2019-models-genesis", GOOD_PAPER)
    assert main(["readme"]) == 0
    assert main(["readme", "--check"]) == 0
    write_paper("other2020-x", GOOD_PAPER.replace("Models Genesis", "Other").replace('"1908.06912"', '"2004.07882"'))
    assert main(["readme", "--check"]) == 1
    err = capsys.readouterr().err
    assert "README.md is stale" in err and "+- [Other: Generic" in err


def test__readme_write_is_a_no_op_when_current(catalog_dir, write_paper, capsys):
    write_paper("zhou2019-models-genesis", GOOD_PAPER)
    main(["readme"])
    readme = catalog_dir.parent / "README.md"
    before = readme.stat().st_mtime_ns
    assert main(["readme"]) == 0
    assert readme.stat().st_mtime_ns == before
    assert capsys.readouterr().out.splitlines()[-1] == "unchanged README.md"


def test__readme_refuses_an_invalid_catalog_and_keeps_the_old_file(catalog_dir, write_paper, capsys):
    write_paper("zhou2019-models-genesis", GOOD_PAPER)
    main(["readme"])
    readme = (catalog_dir.parent / "README.md").read_text()
    write_paper("broken", "title: [\n")
    assert main(["readme"]) == 1
    assert (catalog_dir.parent / "README.md").read_text() == readme
    assert "catalog/papers/broken.yaml:2: invalid YAML" in capsys.readouterr().err


def test__schema_writes_then_checks(catalog_dir, capsys):
    (catalog_dir.parent / "schema").mkdir()
    assert main(["schema", "--check"]) == 1
    assert main(["schema"]) == 0
    assert main(["schema", "--check"]) == 0
    shutil.rmtree(catalog_dir.parent / "schema")
