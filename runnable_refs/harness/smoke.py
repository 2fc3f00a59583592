"""Smoke checks: a few dozen steps on tiny data, in seconds, on any device.

Each method module has ``smoke_check(device, data)`` that calls ``run_smoke_check`` with its
recipe, a function asserting its output shapes and a *pretext criterion* (``criteria.py``);
``medssl refs smoke`` and the pytest suite both call that same function. A check passes when
the loss is finite and falls, the outputs have the expected shapes, the trained task does its
pretext job on held-out synthetic batches (accuracy or retrieval above chance, restoration
below the identity and mean baselines, no collapse), and a rerun with the same seed repeats
the first losses bit for bit. ``tests/refs/test_smoke_catches_bugs.py`` plants one bug per
method and shows that its check fails.
"""

from __future__ import annotations

import math
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import torch
from torch import nn

from runnable_refs.errors import DataUnavailableError
from runnable_refs.harness.device import autocast, move_to
from runnable_refs.harness.recipe import Recipe, data_seed, pretrain
from runnable_refs.harness.reproducibility import data_generator
from runnable_refs.harness.sources import open_source
from runnable_refs.harness.training import Batch

OutputCheck = Callable[[nn.Module, Batch], None]
# Scores the trained task on held-out batches; raises AssertionError, returns the metrics.
PretextCheck = Callable[[nn.Module, list[Batch]], dict[str, float]]
HELD_OUT_SEED = 7_919  # held-out batches come from a stream the training run never draws
RERUN_STEPS = 3  # the reproducibility rerun repeats this many steps, not the whole run


@dataclass
class SmokeResult:
    """One smoke check's outcome, as a row of ``medssl refs smoke``."""

    name: str
    device: str
    data: str
    steps: int
    first_loss: float
    last_loss: float
    seconds: float
    passed: bool
    detail: str = ""
    skipped: bool = False  # the method cannot use this ``data`` (e.g. 2D images, 3D method)
    metrics: dict[str, float] = field(default_factory=dict)  # the pretext criterion's numbers


def expect_shape(tensor: torch.Tensor, shape: tuple[int, ...], what: str) -> None:
    """Fail with a readable message when ``tensor`` does not have ``shape``."""
    if tuple(tensor.shape) != tuple(shape):
        raise AssertionError(f"{what}: expected shape {tuple(shape)}, got {tuple(tensor.shape)}")


def _window_mean(values: list[float], head: bool) -> float:
    width = max(2, len(values) // 5)
    window = values[:width] if head else values[-width:]
    return sum(window) / len(window)


def held_out_batches(recipe: Recipe[Any], config: Any, data: str, count: int) -> list[Batch]:
    """``count`` batches of the pretext task drawn from a seed the training run never uses."""
    generator = data_generator(data_seed(config.seed, 0) + HELD_OUT_SEED)
    source = open_source(data, recipe.data_dimension)
    return [recipe.make_batch(source, config, generator) for _ in range(count)]


def run_smoke_check(
    recipe: Recipe[Any],
    check_outputs: OutputCheck,
    device: str = "cpu",
    data: str = "synthetic",
    steps: int | None = None,
    check_pretext: PretextCheck | None = None,
    held_out: int = 4,
) -> SmokeResult:
    """Train ``recipe.smoke_config``, score it on ``held_out`` fresh batches, rerun a few steps."""
    config = recipe.smoke_config if steps is None else replace(recipe.smoke_config, steps=steps)
    start = time.perf_counter()
    result = SmokeResult(recipe.name, device, data, config.steps, math.nan, math.nan, 0.0, False)
    deterministic_before = torch.are_deterministic_algorithms_enabled()
    warn_only_before = torch.is_deterministic_algorithms_warn_only_enabled()
    try:
        first = pretrain(recipe, config, data, device, progress=False, strict_determinism=True)
        losses = first.report.losses
        result.first_loss, result.last_loss = losses[0], losses[-1]
        if not all(math.isfinite(loss) for loss in losses):
            raise AssertionError(f"non-finite loss: {losses}")
        if not _window_mean(losses, head=False) < _window_mean(losses, head=True):
            raise AssertionError(f"the loss did not fall: {[round(x, 4) for x in losses]}")
        batches = held_out_batches(recipe, config, data, max(1, held_out))
        task_device = next(first.task.parameters()).device
        first.task.eval()
        with torch.no_grad(), autocast(task_device):
            check_outputs(first.task, move_to(batches[0], task_device))
            if check_pretext is not None:
                result.metrics = check_pretext(first.task, [move_to(b, task_device) for b in batches])
        second = pretrain(recipe, config, data, device, progress=False, strict_determinism=True, stop_after=RERUN_STEPS)
        if second.report.losses != losses[:RERUN_STEPS]:
            raise AssertionError("the same seed gave different losses: the run is not reproducible")
        result.passed = True
    except DataUnavailableError as error:  # not a failure: this data cannot feed this method
        result.passed, result.skipped, result.detail = True, True, str(error)
    except Exception as error:  # a smoke check reports every failure as a row, not a crash
        frames = traceback.format_exception(error)
        result.detail = f"{type(error).__name__}: {error}\n{''.join(frames[-3:])}"
    finally:
        torch.use_deterministic_algorithms(deterministic_before, warn_only=warn_only_before)
    result.seconds = time.perf_counter() - start
    return result


def format_smoke_table(results: list[SmokeResult]) -> str:
    """The results as an aligned text table, failures explained below it."""
    header = f"{'reference':28}{'device':8}{'steps':>6}{'first loss':>12}{'last loss':>12}"
    header += f"{'seconds':>9}  status (pretext criterion)"
    lines = [header, "-" * len(header)]
    for r in results:
        status = "skipped: " + r.detail if r.skipped else "ok" if r.passed else "FAILED"
        if r.passed and r.metrics:
            status += " (" + ", ".join(f"{name} {value:.3f}" for name, value in r.metrics.items()) + ")"
        lines.append(
            f"{r.name:28}{r.device:8}{r.steps:>6}{r.first_loss:>12.4f}{r.last_loss:>12.4f}{r.seconds:>9.1f}  {status}"
        )
    for r in results:
        if not r.passed:
            lines += ["", f"{r.name} ({r.device}) failed: {r.detail.strip()}"]
    return "\n".join(lines)
