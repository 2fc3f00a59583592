"""A recipe is what a method module hands the harness; ``pretrain`` runs one, start to finish.

A method module defines its config, its pretext transform (``make_batch``), its model and loss
(``build_task``) and exports ``RECIPE = Recipe(...)``. Everything else (device, seeding, data
source, DDP, the loop, the checkpoint) is here, the same for every method.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import torch
from torch import nn

from runnable_refs.errors import UsageError
from runnable_refs.harness.distributed import (
    barrier,
    distributed_session,
    gather_from_ranks,
    weight_digest,
    wrap_for_training,
)
from runnable_refs.harness.reproducibility import data_generator, seed_everything
from runnable_refs.harness.sources import ImageSource, open_source
from runnable_refs.harness.training import (
    Batch,
    TrainingConfig,
    TrainingReport,
    TrainingState,
    load_checkpoint,
    save_checkpoint,
    train,
)
from runnable_refs.registry import get_reference

ConfigT = TypeVar("ConfigT", bound=TrainingConfig)


@dataclass(frozen=True)
class Recipe(Generic[ConfigT]):
    """Everything the harness needs to know about one method, and nothing it must not."""

    name: str  # the registry name
    config: ConfigT  # the demo defaults ``medssl refs run`` uses
    smoke_config: ConfigT  # a tiny variant: a few dozen steps in seconds on a CPU
    build_task: Callable[[ConfigT], nn.Module]  # model + loss; ``forward(**batch) -> loss``
    make_batch: Callable[[ImageSource, ConfigT, torch.Generator], Batch]  # data + pretext transform
    data_dimension: int  # 2 or 3: what ``make_batch`` asks the source for
    probe_data: str | None  # ``labelled_lesion_task`` kind for the probe; None: no probe


@dataclass
class PretrainResult:
    """The outcome of ``pretrain``: the trained task, its losses and where it was saved."""

    task: nn.Module
    report: TrainingReport
    checkpoint: Path | None
    rank_digests: list[str]  # weight digest of every rank; all equal after a correct DDP run


def data_seed(seed: int, rank: int) -> int:
    """Each DDP rank draws different data; rank 0 of any run draws what a 1-process run draws."""
    return seed + 1_000_003 * rank


def pretrain(
    recipe: Recipe[Any],
    config: TrainingConfig,
    data: str = "synthetic",
    device: str = "auto",
    out_dir: Path | None = None,
    progress: bool = True,
    strict_determinism: bool = False,
    resume: Path | None = None,
    stop_after: int | None = None,
) -> PretrainResult:
    """Pretrain ``recipe`` with ``config`` on ``data``; save ``out_dir/checkpoint.pt`` if given.

    Under torchrun this is data-parallel: every rank builds the same initial weights from the
    seed, draws its own batches, and DDP averages the gradients, so all ranks end identical.
    ``resume`` continues a checkpoint of the same method and config where it stopped (weights,
    optimiser, step and data stream), so a resumed run ends where an uninterrupted one would.
    ``stop_after`` ends after that many steps but keeps the full run's learning-rate schedule.
    """
    with distributed_session(device) as (context, torch_device):
        source = open_source(data, recipe.data_dimension)
        seed_everything(config.seed, strict=strict_determinism)
        task = recipe.build_task(config).to(torch_device)
        generator = data_generator(data_seed(config.seed, context.rank))
        state = TrainingState()
        if resume is not None:
            state = resume_state(recipe, config, Path(resume), task, generator, context.rank)
        trainable = wrap_for_training(task, context, torch_device)
        report = train(
            trainable,
            lambda: recipe.make_batch(source, config, generator),
            config,
            torch_device,
            progress=progress and context.is_main,
            description=recipe.name,
            state=state,
            stop_after=stop_after,
        )
        digests = gather_from_ranks(context, weight_digest(task))
        checkpoint = None
        if out_dir is not None:
            checkpoint = Path(out_dir) / "checkpoint.pt"
            generator_states = gather_generator_states(context, generator)  # a collective: every rank
            if context.is_main:
                save_checkpoint(
                    checkpoint,
                    task,
                    {
                        "reference": recipe.name,
                        "paper": get_reference(recipe.name).paper,
                        "config": dataclasses.asdict(config),
                        "data": data,
                        "losses": state.losses,
                        "step": state.step,
                        "optimizer": state.optimizer,
                        "generator_states": generator_states,
                        "seconds": report.seconds,
                        "device": str(torch_device),
                        "world_size": context.world_size,
                        "rank_digests": digests,
                    },
                )
            barrier(context)
        return PretrainResult(task, report, checkpoint, digests)


def gather_generator_states(context: Any, generator: torch.Generator) -> list[list[int]]:
    """Every rank's data-generator state (as a list of bytes), so ``--resume`` continues each."""
    from runnable_refs.harness.distributed import gather_objects

    return gather_objects(context, generator.get_state().tolist())


def resume_state(
    recipe: Recipe[Any], config: TrainingConfig, path: Path, task: nn.Module, generator: torch.Generator, rank: int
) -> TrainingState:
    """Load a checkpoint into ``task`` and ``generator``; its step and optimiser, to continue."""
    if not path.exists():
        raise UsageError(f"--resume {path}: no such checkpoint")
    saved = load_checkpoint(path)
    if saved.get("reference") != recipe.name:
        raise UsageError(f"--resume {path} holds {saved.get('reference')!r}, not {recipe.name!r}")
    fields = {**dataclasses.asdict(config), "steps": saved["config"]["steps"]}
    if {k: v for k, v in saved["config"].items() if k != "steps"} != {k: v for k, v in fields.items() if k != "steps"}:
        raise UsageError(f"--resume {path} was trained with another config; resume with the same options")
    task.load_state_dict(saved["state_dict"])
    states = saved.get("generator_states") or []
    if rank < len(states):
        generator.set_state(torch.tensor(states[rank], dtype=torch.uint8))
    return TrainingState(saved.get("optimizer"), int(saved.get("step", 0)), list(saved["losses"]))
