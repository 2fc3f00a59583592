"""CI and supply-chain rules, checked by reading the workflow files and the packaging."""

from __future__ import annotations

import re
import tomllib

import pytest
import yaml

from tests.conftest import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
PINNED_ACTION = re.compile(r"^[\w.\-]+/[\w.\-/]+@[0-9a-f]{40}$")
# Writes a job may ask for, and why: Pages deployment, OIDC for Pages, the link-report issue.
ALLOWED_JOB_WRITES = {"pages", "id-token", "issues"}
# The one job that may write more: issue-to-pr.yml's, which pushes a branch with the new catalog file,
# opens its pull request or comments on the issue. It runs only on a maintainer's `accepted` label.
WRITING_JOBS = {("issue-to-pr.yml", "entry"): {"contents": "write", "pull-requests": "write", "issues": "write"}}


def load_workflow(path):
    # PyYAML reads the key `on` as True (YAML 1.1); BaseLoader keeps every key a string.
    return yaml.load(path.read_text(), Loader=yaml.BaseLoader)


def test__there_are_workflows_to_check():
    names = {path.stem for path in WORKFLOWS}
    assert len(names) >= 4, names


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test__workflow_defaults_to_read_only(path):
    workflow = load_workflow(path)
    permissions = workflow.get("permissions")
    assert permissions is not None, "declare top-level `permissions:` (least privilege)"
    if isinstance(permissions, dict):
        assert all(value in ("read", "none") for value in permissions.values()), permissions
    else:
        assert permissions in ("read-all", "{}"), permissions


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test__jobs_only_write_what_they_need(path):
    for name, job in load_workflow(path).get("jobs", {}).items():
        permissions = job.get("permissions", {})
        assert permissions != "write-all", f"{name}: write-all"
        if (path.name, name) in WRITING_JOBS:
            assert permissions == WRITING_JOBS[(path.name, name)], f"{name}: exactly these writes"
        elif isinstance(permissions, dict):
            writes = {scope for scope, level in permissions.items() if level == "write"}
            assert writes <= ALLOWED_JOB_WRITES, f"{name}: {writes - ALLOWED_JOB_WRITES}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test__untrusted_pull_requests_never_run_with_secrets(path):
    workflow = load_workflow(path)
    triggers = workflow.get("on", {})
    names = set(triggers) if isinstance(triggers, dict) else set([triggers] if isinstance(triggers, str) else triggers)
    assert "pull_request_target" not in names
    if "pull_request" in names:
        assert "${{ secrets." not in path.read_text(), "a pull_request workflow must not use secrets"
        for job in workflow.get("jobs", {}).values():
            permissions = job.get("permissions", {})
            assert not isinstance(permissions, dict) or "write" not in permissions.values()


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test__actions_are_pinned_to_commit_shas(path):
    for job in load_workflow(path).get("jobs", {}).values():
        for step in job.get("steps", []):
            uses = step.get("uses")
            if uses and not uses.startswith("./"):
                assert PINNED_ACTION.match(uses), f"pin {uses} to a full commit SHA"


def test__dependencies_are_bounded_and_pinned_for_ci():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    requirements = [
        *project["dependencies"],
        *(r for extra in project["optional-dependencies"].values() for r in extra),
    ]
    unbounded = [r for r in requirements if "<" not in r and "==" not in r]
    assert unbounded == [], "give every dependency an upper bound"
    pins = (REPO / "requirements" / "constraints.txt").read_text().splitlines()
    pinned = {line.split("==")[0].lower().replace("_", "-") for line in pins if "==" in line}
    for requirement in requirements:
        name = re.split(r"[<>=!\[ ;]", requirement)[0].lower().replace("_", "-")
        assert name in pinned, f"{name} is not pinned in requirements/constraints.txt"
    assert all(line.startswith("#") or "==" in line for line in pins if line.strip())


def test__only_the_issue_to_pr_job_writes_contents_and_only_on_a_maintainers_label():
    [(workflow_name, job_name)] = WRITING_JOBS
    workflow = load_workflow(REPO / ".github" / "workflows" / workflow_name)
    assert workflow["on"] == {"issues": {"types": ["labeled"]}}  # never pull_request_target or issue_comment
    assert workflow["permissions"] == {"contents": "read"}
    job = workflow["jobs"][job_name]
    assert "github.event.label.name == 'accepted'" in job["if"]
    assert "'new-paper'" in job["if"]
    first = job["steps"][0]
    assert "collaborators/$LABELLER/permission" in first["run"] and "admin|maintain|write)" in first["run"]
    checkout = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["persist-credentials"] == "false"
    runs = [step.get("run", "") for step in job["steps"]]
    assert any('"$GITHUB_EVENT_PATH" > "$RUNNER_TEMP/issue-body.md"' in run for run in runs)
    assert any("medssl issue-entry --body-file" in run for run in runs)
    for other in WORKFLOWS:
        for name, other_job in load_workflow(other).get("jobs", {}).items():
            permissions = other_job.get("permissions", {})
            writes = (
                {scope for scope, level in permissions.items() if level == "write"}
                if isinstance(permissions, dict)
                else set()
            )
            if (other.name, name) not in WRITING_JOBS:
                assert not writes & {"contents", "pull-requests"}, f"{other.name}:{name} writes {writes}"


def interpolated_scripts(workflow: dict) -> list[str]:
    """Job:step of every `run:` holding a `${{ }}`, which the runner pastes into the script before the shell
    reads it: an issue's text there would become code. Values reach scripts through `env:` instead."""
    found = []
    for name, job in workflow.get("jobs", {}).items():
        for number, step in enumerate(job.get("steps", [])):
            if "${{" in step.get("run", ""):
                found.append(f"{name}:{step.get('name', number)}")
    return found


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test__no_script_interpolates_expressions(path):
    assert interpolated_scripts(load_workflow(path)) == [], "pass values to `run:` through env"


def test__the_expression_check_would_catch_an_injected_issue_body():
    text = (REPO / ".github" / "workflows" / "issue-to-pr.yml").read_text()
    planted = text.replace(
        '.venv/bin/medssl issue-entry --body-file "$RUNNER_TEMP/issue-body.md"',
        'echo "${{ github.event.issue.body }}" > body.md && .venv/bin/medssl issue-entry --body-file body.md',
    )
    assert planted != text
    assert interpolated_scripts(yaml.load(planted, Loader=yaml.BaseLoader)) == ["entry:Make the entry from the issue"]
