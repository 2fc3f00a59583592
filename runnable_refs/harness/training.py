"""The step loop and checkpoints. The loop knows nothing about any method.

A method hands over a *task*: an ``nn.Module`` whose ``forward(**batch)`` applies the model and
the loss to a batch the method's pretext transform already made, and returns the scalar loss.
If the task has ``after_optimizer_step()`` (momentum encoders, queues, EMA teachers) the loop
calls it after every optimiser step; if it has ``set_progress(fraction)`` (schedules of a
method's own, such as DINO's teacher temperature and momentum) the loop calls it before every
step with the share of the run done. The learning rate follows a linear warm-up and then a
cosine decay (Loshchilov and Hutter, SGDR, ICLR 2017), the schedule most of the papers use.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm import tqdm

from runnable_refs.errors import CheckFailedError
from runnable_refs.harness.device import autocast, move_to

Batch = dict[str, torch.Tensor]


@dataclass
class TrainingConfig:
    """Knobs every method shares; a method's config subclasses this and adds its own."""

    steps: int = 200  # a demo: the loss visibly falls in about a minute on a laptop CPU
    batch_size: int = 8  # small enough for 2 CPU cores; the papers use 32-4096 on GPUs
    learning_rate: float = 1e-3  # AdamW; a safe default for small nets trained from scratch
    weight_decay: float = 1e-4  # mild regularisation, as in most of the papers' optimisers
    max_grad_norm: float = 1.0  # clipping keeps tiny-batch, high-lr demos from diverging
    seed: int = 0  # seeds weights, synthetic data and pretext transforms
    warmup_fraction: float = 0.1  # linear warm-up over the first 10% of steps, then cosine
    final_lr_fraction: float = 0.1  # cosine decays to 10% of the peak, not 0: short runs keep
    # learning until their last step

    @property
    def input_shape(self) -> tuple[int, ...]:
        """One network input, (C, H, W) or (C, D, H, W); every method config defines it."""
        raise NotImplementedError


@dataclass
class TrainingReport:
    """What a training run did: the loss per step and how fast it went."""

    losses: list[float] = field(default_factory=list)
    step_seconds: list[float] = field(default_factory=list)  # wall time of each step
    seconds: float = 0.0
    device: str = "cpu"

    @property
    def steps_per_second(self) -> float:
        return len(self.losses) / self.seconds if self.seconds > 0 else 0.0


def learning_rate_factor(step: int, config: TrainingConfig) -> float:
    """Warm-up then cosine: the multiplier of ``config.learning_rate`` at ``step`` (0-based)."""
    warmup = int(config.warmup_fraction * config.steps)
    if step < warmup:
        return (step + 1) / (warmup + 1)
    progress = (step - warmup) / max(1, config.steps - warmup)
    floor = config.final_lr_fraction
    return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))


@dataclass
class TrainingState:
    """Where a run stands, for ``--resume``: the optimiser, the step and the data stream."""

    optimizer: dict[str, Any] | None = None  # ``optimizer.state_dict()``
    step: int = 0  # steps already done
    losses: list[float] = field(default_factory=list)  # their losses
    generator_state: torch.Tensor | None = None  # the data generator's state after them


def unwrap(task: nn.Module) -> nn.Module:
    """The task itself, when it is wrapped in DistributedDataParallel."""
    return task.module if isinstance(task, nn.parallel.DistributedDataParallel) else task


def train(
    task: nn.Module,
    next_batch: Callable[[], Batch],
    config: TrainingConfig,
    device: torch.device,
    progress: bool = True,
    description: str = "",
    state: TrainingState | None = None,
    stop_after: int | None = None,
) -> TrainingReport:
    """Run AdamW steps of ``loss = task(**next_batch())`` up to ``config.steps``.

    ``state`` resumes a run (its optimiser and step count; it is updated in place, so the
    caller can save it); ``stop_after`` ends early while keeping the schedule of the full run.
    bf16 autocast on CUDA (no loss scaler needed for bf16), fp32 on the CPU. A non-finite loss
    stops the run with ``CheckFailedError``, since every later step would be meaningless.
    """
    state = state if state is not None else TrainingState()
    parameters = [p for p in task.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(parameters, lr=config.learning_rate, weight_decay=config.weight_decay)
    if state.optimizer is not None:
        optimizer.load_state_dict(state.optimizer)
    after_step = getattr(unwrap(task), "after_optimizer_step", None)
    set_progress = getattr(unwrap(task), "set_progress", None)
    report = TrainingReport(device=str(device))
    last = config.steps if stop_after is None else min(config.steps, stop_after)
    bar = tqdm(total=last, initial=state.step, desc=description, unit="step", disable=not progress, dynamic_ncols=True)
    task.train()
    start = time.perf_counter()
    for step in range(state.step, last):
        for group in optimizer.param_groups:
            group["lr"] = config.learning_rate * learning_rate_factor(step, config)
        if set_progress is not None:
            set_progress(step / config.steps)
        batch = move_to(next_batch(), device)
        with autocast(device):
            loss = task(**batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(parameters, config.max_grad_norm)
        optimizer.step()
        if after_step is not None:
            after_step()
        value = float(loss.detach())
        if not math.isfinite(value):
            bar.close()
            raise CheckFailedError(
                f"{description}: the loss became {value} at step {step}; try a lower learning rate or another --seed"
            )
        report.losses.append(value)
        state.losses.append(value)
        state.step = step + 1
        report.step_seconds.append(time.perf_counter() - start - report.seconds)
        report.seconds = time.perf_counter() - start
        bar.set_postfix(
            loss=f"{value:.4f}",
            steps_per_s=f"{report.steps_per_second:.1f}",
            device=str(device),
            refresh=False,
        )
        bar.update()
    bar.close()
    state.optimizer = optimizer.state_dict()
    return report


def save_checkpoint(path: Path, task: nn.Module, metadata: dict[str, Any]) -> Path:
    """Write the task's weights and ``metadata`` atomically (a temp file, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {key: value.detach().cpu() for key, value in unwrap(task).state_dict().items()}
    temporary = path.with_suffix(".tmp")
    torch.save({"state_dict": state, **metadata}, temporary)
    os.replace(temporary, path)
    return path


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Read a checkpoint written by ``save_checkpoint`` (weights only: no pickled code runs)."""
    return torch.load(path, map_location="cpu", weights_only=True)
