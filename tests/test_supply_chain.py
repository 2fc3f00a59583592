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
        if isinstance(permissions, dict):
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
