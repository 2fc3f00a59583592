"""The step loop and checkpoints. The loop knows nothing about any method.

A method hands over a *task*: an ``nn.Module`` whose ``forward(**batch)`` applies the model and
the loss to a batch the method's pretext transform already made, and returns the scalar loss.
If the task has ``after_optimizer_step()`` (momentum encoders, queues, EMA teachers) the loop
calls it after every optimiser step.
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
) -> TrainingReport:
    """Run ``config.steps`` AdamW steps of ``loss = task(**next_batch())``.

    bf16 autocast on CUDA, fp32 on the CPU. A non-finite loss stops the run with
    ``CheckFailedError``, since every later step would be meaningless.
    """
    parameters = [p for p in task.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(parameters, lr=config.learning_rate, weight_decay=config.weight_decay)
    after_step = getattr(unwrap(task), "after_optimizer_step", None)
    report = TrainingReport(device=str(device))
    bar = tqdm(total=config.steps, desc=description, unit="step", disable=not progress, dynamic_ncols=True)
    task.train()
    start = time.perf_counter()
    for step in range(config.steps):
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
