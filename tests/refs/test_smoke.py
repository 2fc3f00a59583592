"""Every reference: its smoke check (CPU, and CUDA where present), structure and real data.

The smoke test calls the same ``smoke_check`` function as ``medssl refs smoke``: a few dozen
steps on tiny synthetic data, finite and falling loss, output shapes, bit-identical reruns.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from runnable_refs.errors import DataUnavailableError  # noqa: E402
from runnable_refs.harness import data_generator, open_source  # noqa: E402
from runnable_refs.harness.recipe import pretrain  # noqa: E402
from runnable_refs.registry import REFERENCES  # noqa: E402

MODULES = {reference.name: importlib.import_module(reference.module) for reference in REFERENCES}
NAMES = sorted(MODULES)


@pytest.mark.parametrize("name", NAMES)
def test__smoke_check_passes(name: str, device: str) -> None:
    result = MODULES[name].smoke_check(device)
    assert result.passed, result.detail
    assert result.metrics, "the smoke check scored no pretext criterion"


@pytest.mark.parametrize("name", NAMES)
def test__every_trainable_parameter_gets_a_gradient(name: str) -> None:
    """DDP fails on parameters that never receive a gradient; so would learning."""
    recipe = MODULES[name].RECIPE
    config = recipe.smoke_config
    torch.manual_seed(0)
    task = recipe.build_task(config)
    batch = recipe.make_batch(open_source("synthetic"), config, data_generator(0))
    # A task trained in stages (it has ``set_progress``) must cover everything over its stages.
    for progress in (0.0, 0.999) if hasattr(task, "set_progress") else (None,):
        if progress is not None:
            task.set_progress(progress)
        task(**batch).backward()
    missing = [n for n, p in task.named_parameters() if p.requires_grad and p.grad is None]
    assert not missing, f"parameters without gradient: {missing}"


@pytest.mark.parametrize("reference", REFERENCES, ids=lambda r: r.name)
def test__registry_input_shape_matches_the_default_config(reference) -> None:
    assert MODULES[reference.name].RECIPE.config.input_shape == reference.input_shape
    assert MODULES[reference.name].RECIPE.name == reference.name


@pytest.mark.parametrize("name", NAMES)
def test__method_module_is_short_and_imports_only_the_harness(name: str) -> None:
    path = Path(MODULES[name].__file__)
    source = path.read_text()
    assert len(source.splitlines()) <= 300, f"{path.name} is over 300 lines"
    ours = {
        node.module
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("runnable_refs")
    }
    assert ours <= {"runnable_refs.harness"}, f"{path.name} imports {ours}"


@pytest.mark.parametrize("name", NAMES)
def test__module_docstring_cites_its_catalog_paper(name: str) -> None:
    reference = next(r for r in REFERENCES if r.name == name)
    assert reference.paper in (MODULES[name].__doc__ or "")


@pytest.mark.parametrize("name", NAMES)
def test__config_defaults_each_say_why(name: str) -> None:
    """Every field a method adds to its config has a comment on its line (STYLE habit 6)."""
    module = MODULES[name]
    config_class = type(module.RECIPE.config)
    source = Path(module.__file__).read_text().splitlines()
    tree = ast.parse("\n".join(source))
    body = next(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == config_class.__name__).body
    for field in (n for n in body if isinstance(n, ast.AnnAssign)):
        assert "#" in source[field.lineno - 1], f"{field.target.id} has no why-comment"


REAL_SAMPLE = {2: "dicom-sample", 3: "nifti-sample"}
NEEDS_SYNTHETIC = {"image_text_contrastive", "patch2self"}


@pytest.mark.parametrize("name", NAMES)
def test__trains_a_few_steps_on_a_real_sample(name: str) -> None:
    recipe = MODULES[name].RECIPE
    data = REAL_SAMPLE[recipe.data_dimension]
    config = dataclasses.replace(recipe.smoke_config, steps=2)
    if name in NEEDS_SYNTHETIC:
        with pytest.raises(DataUnavailableError):
            pretrain(recipe, config, data, "cpu", progress=False)
        return
    losses = pretrain(recipe, config, data, "cpu", progress=False).report.losses
    assert len(losses) == 2 and all(loss == loss for loss in losses)


@pytest.mark.parametrize("name", ["rotation_2d", "moco_cxr", "mae"])
def test__2d_methods_also_train_on_the_retina_photograph(name: str) -> None:
    recipe = MODULES[name].RECIPE
    config = dataclasses.replace(recipe.smoke_config, steps=2)
    assert len(pretrain(recipe, config, "retina-sample", "cpu", progress=False).report.losses) == 2
