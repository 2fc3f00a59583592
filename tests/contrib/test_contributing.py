"""CONTRIBUTING.md's commands work exactly as written, run one after another in a fresh checkout.

The checkout holds the real taxonomy, one paper with a link on a local server, a BibTeX file
and the project's .venv; the metadata APIs are recorded answers on a local server. Between
`medssl add` and `medssl validate` the test does what step 3 tells a contributor to do by
hand: confirm the proposals in the new file.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from site_builder.cli import build_parser, main
from tests.conftest import GOOD_PAPER, REPO
from tests.contrib.helpers import confirm_proposals
from tests.contrib.recorded_server import RecordedServer, Reply, fixture_reply

GUIDE = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
# Commands the test cannot run here, and why; anything else in a sh block must be run or dry-run.
NOT_RUN: dict[str, str] = {}
REFERENCES_BIB = """\
@misc{chen2020simple,
  title = {A Simple Framework for Contrastive Learning of Visual Representations},
  author = {Chen, Ting and Kornblith, Simon and Norouzi, Mohammad and Hinton, Geoffrey},
  year = {2020},
  eprint = {2002.05709},
  archivePrefix = {arXiv}
}
"""


def shell_commands(markdown: str) -> list[str]:
    """Every line of every ```sh block, in order."""
    blocks = re.findall(r"^\s*```sh\n(.*?)^\s*```", markdown, flags=re.MULTILINE | re.DOTALL)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def inline_medssl_commands(markdown: str) -> list[str]:
    return re.findall(r"`((?:\.venv/bin/)?medssl [^`]+)`", markdown)


def test__the_guide_shows_the_whole_flow():
    commands = shell_commands(GUIDE)
    assert commands[:4] == [
        "make setup",
        ".venv/bin/medssl add arxiv:1908.06912",
        ".venv/bin/medssl validate catalog/papers/zhou2019-models-genesis.yaml",
        "make readme",
    ]
    assert ".venv/bin/medssl import bib references.bib" in commands
    assert ".venv/bin/medssl links --report-md link-report.md" in commands


@pytest.mark.parametrize("command", inline_medssl_commands(GUIDE))
def test__every_inline_medssl_command_parses(command):
    arguments = shlex.split(command)[1:]
    try:
        build_parser().parse_args(arguments)
    except SystemExit as error:  # argparse's way of refusing
        pytest.fail(f"`{command}` is not a valid medssl command line ({error})")


@pytest.fixture
def fresh_checkout(tmp_path: Path, apis: RecordedServer) -> Path:
    root = tmp_path / "clone"
    (root / "catalog" / "papers").mkdir(parents=True)
    shutil.copy(REPO / "catalog" / "taxonomy.yaml", root / "catalog" / "taxonomy.yaml")
    apis.route("/site/code", Reply(200, b"<html>code</html>", content_type="text/html"))
    other = GOOD_PAPER.replace("Models Genesis: Generic Autodidactic", "Semantic Genesis: Generic Autodidactic")
    other = other.replace('"1908.06912"', '"2007.06959"').replace(
        "https://github.com/MrGiovanni/ModelsGenesis", apis.url("/site/code")
    )
    (root / "catalog" / "papers" / "haghighi2020-semantic-genesis.yaml").write_text(other)
    (root / "references.bib").write_text(REFERENCES_BIB)
    (root / ".venv").symlink_to(Path(sys.executable).parent.parent)
    apis.route(
        "/arxiv/query?id_list=1908.06912&max_results=1", fixture_reply("arxiv/1908.06912.xml", "application/atom+xml")
    )
    return root


def test__every_command_in_the_guide_works_as_written(fresh_checkout: Path):
    env = {key: value for key, value in os.environ.items() if key not in ("MEDSSL_ROOT", "GITHUB_ACTIONS")}
    for command in shell_commands(GUIDE):
        program = command.split()[0]
        if program == ".venv/bin/medssl":
            result = subprocess.run(command, shell=True, cwd=fresh_checkout, env=env, capture_output=True, text=True)
            assert result.returncode == 0, f"`{command}` failed:\n{result.stdout}\n{result.stderr}"
            # Step 3, done by hand: confirm the proposals in each file the command wrote.
            for written in re.findall(r"^(?:wrote |created: .* -> )(\S+?):?(?: |$)", result.stdout, re.MULTILINE):
                confirm_proposals(fresh_checkout / written)
        elif program == "make":
            # A make target would install into the shared .venv; check it exists and what it would run.
            result = subprocess.run(["make", "-n", *command.split()[1:]], cwd=REPO, capture_output=True, text=True)
            assert result.returncode == 0, f"`{command}`: {result.stderr}"
        else:
            assert command in NOT_RUN, f"`{command}`: teach this test how to check it"
    assert (fresh_checkout / "catalog.bib").read_text().count("@") == 3
    assert "zhou2019-models-genesis: " not in (fresh_checkout / "link-report.md").read_text()
    assert (fresh_checkout / "catalog" / "link-status.json").exists()


def test__the_quoted_refusal_is_what_the_real_catalog_answers(tmp_path, monkeypatch, capsys):
    quoted = re.search(r"answers `(already in the catalog: [^`]+)`", GUIDE)
    assert quoted
    copy = tmp_path / "real"
    shutil.copytree(REPO / "catalog", copy / "catalog")
    monkeypatch.chdir(copy)
    assert main(["add", "arxiv:1908.06912"]) == 1
    assert capsys.readouterr().err.strip() == " ".join(quoted.group(1).split())
