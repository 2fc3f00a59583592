"""The GitHub machinery: workflows lint clean and are locked down, forms match the schema, hooks run."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from schema import Links, Paper
from tests.conftest import GOOD_PAPER, REPO

GITHUB = REPO / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
ACTIONLINT = Path(sys.executable).parent / "actionlint"


def workflow(name: str) -> dict:
    document = yaml.safe_load((GITHUB / "workflows" / name).read_text())
    document["on"] = document.pop(True, document.get("on"))  # YAML 1.1 reads the key `on` as true
    return document


def run_actionlint(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ACTIONLINT), "-no-color", *arguments], cwd=cwd, capture_output=True, text=True)


def test__actionlint_passes_on_every_workflow():
    assert len(WORKFLOWS) == 5
    result = run_actionlint(cwd=REPO)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test__actionlint_would_catch_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    text = (GITHUB / "workflows" / "gpu-smoke.yml").read_text()
    broken.write_text(
        text.replace("[self-hosted, gpu]", "[self-hosted, gpux]").replace(
            "timeout-minutes: 30", "timeout-minutes: half an hour"
        )
    )
    result = run_actionlint("-config-file", str(GITHUB / "actionlint.yaml"), str(broken), cwd=tmp_path)
    assert result.returncode == 1
    assert 'label "gpux" is unknown' in result.stdout and "timeout-minutes" in result.stdout


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test__every_action_is_pinned_to_a_commit_with_its_tag_in_a_comment(path):
    uses = re.findall(r"^\s*(?:-\s*)?uses:\s*(\S+)(.*)$", path.read_text(), flags=re.MULTILINE)
    assert uses, "each workflow uses at least one action"
    for action, rest in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), f"{action} is not pinned to a commit SHA"
        assert re.fullmatch(r"\s*# v\d+(\.\d+)*", rest), f"{action}: give the tag as '# vX.Y.Z'"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test__every_workflow_starts_from_read_only_permissions(path):
    assert workflow(path.name)["permissions"] == {"contents": "read"}


def test__the_pull_request_workflow_is_read_only_and_uses_no_secrets():
    document = workflow("pull-request.yml")
    text = (GITHUB / "workflows" / "pull-request.yml").read_text()
    assert document["on"] == {"pull_request": None}  # never pull_request_target
    assert all("permissions" not in job for job in document["jobs"].values())
    assert "secrets." not in text and "github.token" not in text
    steps = [step.get("run", "") for job in document["jobs"].values() for step in job["steps"]]
    assert any(".venv/bin/medssl validate" in run for run in steps)
    assert any(".venv/bin/medssl readme --check" in run for run in steps)
    assert any("bash .ci/run" in run for run in steps)  # the tests, exactly as local CI runs them


def test__pages_deploys_on_push_to_main_with_only_the_pages_job_allowed_to_write():
    document = workflow("pages.yml")
    assert document["on"]["push"] == {"branches": ["main"]}
    assert document["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert document["jobs"]["build"]["permissions"] == {"contents": "read", "actions": "read"}
    runs = "\n".join(step.get("run", "") for step in document["jobs"]["build"]["steps"])
    assert "mkdocs build --strict" in runs and "gh run download" in runs and "catalog/link-status.json" in runs


def test__weekly_link_check_publishes_the_record_and_reports_in_an_issue():
    document = workflow("link-check.yml")
    text = (GITHUB / "workflows" / "link-check.yml").read_text()
    assert document["on"]["schedule"] and "workflow_dispatch" in document["on"]
    assert document["jobs"]["links"]["permissions"] == {"issues": "write"}  # never the repository's contents
    assert "medssl links --report-md link-report.md" in text
    assert ".venv/bin/medssl refresh > refresh-report.txt" in text and "--apply" not in text  # proposals only
    uploads = [step["with"] for step in document["jobs"]["links"]["steps"] if "upload-artifact" in step.get("uses", "")]
    assert {"name": "link-status", "path": "catalog/link-status.json", "retention-days": 90} in uploads
    assert "gh issue create" in text and "gh issue edit" in text and "gh issue close" in text
    assert workflow("pages.yml")["on"]["workflow_run"]["workflows"] == [document["name"]]
    assert "--name link-status" in (GITHUB / "workflows" / "pages.yml").read_text()


def test__gpu_smoke_runs_on_the_self_hosted_gpu_runner_on_demand_or_by_label():
    document = workflow("gpu-smoke.yml")
    job = document["jobs"]["smoke"]
    assert job["runs-on"] == ["self-hosted", "gpu"]
    assert "workflow_dispatch" in document["on"] and document["on"]["pull_request"] == {"types": ["labeled"]}
    assert "github.event.label.name == 'run-gpu'" in job["if"]
    runs = [step.get("run", "") for step in job["steps"]]
    assert ".venv/bin/pytest tests/refs -m gpu" in runs and ".venv/bin/medssl refs smoke --device cuda" in runs


def test__the_new_paper_form_asks_for_the_schema_fields():
    form = yaml.safe_load((GITHUB / "ISSUE_TEMPLATE" / "new-paper.yml").read_text())
    fields = {item["id"]: item for item in form["body"] if "id" in item}
    known = set(Paper.model_fields) | set(Links.model_fields) | {"checks", "bibtex"}  # bibtex: for issue-entry
    assert set(fields) <= known, f"not schema fields: {set(fields) - known}"
    for required in ("title", "year", "venue", "modality", "task", "method"):
        assert fields[required]["validations"]["required"] is True, required
    for optional in ("arxiv", "doi", "paper"):  # at least one is needed, none alone
        assert "validations" not in fields[optional]
    from site_builder.contrib.catalog_index import load_taxonomy_or_fail

    taxonomy = load_taxonomy_or_fail(REPO)
    assert fields["dimension"]["attributes"]["options"] == taxonomy.ids("dimension")


def test__the_pull_request_template_has_the_checklist():
    text = (GITHUB / "pull_request_template.md").read_text()
    assert text.count("- [ ]") >= 5 and ".venv/bin/medssl validate" in text and "make readme" in text


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A small checkout: the real taxonomy, one paper, and the project's .venv."""
    root = tmp_path / "checkout"
    (root / "catalog" / "papers").mkdir(parents=True)
    shutil.copy(REPO / "catalog" / "taxonomy.yaml", root / "catalog" / "taxonomy.yaml")
    (root / "catalog" / "papers" / "zhou2019-models-genesis.yaml").write_text(GOOD_PAPER)
    (root / ".venv").symlink_to(Path(sys.executable).parent.parent)
    return root


def test__pre_commit_hooks_run_the_checks_and_regenerate_the_files(checkout):
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert set(hooks) == {"medssl-validate", "medssl-readme", "medssl-schema"}
    assert re.search(hooks["medssl-validate"]["files"], "catalog/papers/zhou2019-models-genesis.yaml")
    assert re.search(hooks["medssl-readme"]["files"], "site_builder/templates/README.md.j2")
    assert re.search(hooks["medssl-schema"]["files"], "catalog/taxonomy.yaml")
    env = {key: value for key, value in os.environ.items() if key != "MEDSSL_ROOT"}
    for hook in hooks.values():
        assert hook["language"] == "system" and hook["pass_filenames"] is False
        result = subprocess.run(hook["entry"], shell=True, cwd=checkout, env=env, capture_output=True, text=True)
        assert result.returncode == 0, (hook["id"], result.stdout, result.stderr)
    assert "Models Genesis" in (checkout / "README.md").read_text()
    assert (checkout / "schema" / "paper.schema.json").exists()


def test__make_links_is_a_target():
    result = subprocess.run(["make", "-n", "links"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0 and "medssl links" in result.stdout
