"""DistributedDataParallel when launched by ``torchrun``: gloo on the CPU, nccl on CUDA.

``torchrun --nproc_per_node 2 -m runnable_refs run NAME`` sets ``WORLD_SIZE``, ``RANK`` and
``LOCAL_RANK``; without them everything here is a no-op and training runs in one process.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeVar

import torch
import torch.distributed as dist
from torch import nn

from runnable_refs.harness.device import choose_device

T = TypeVar("T")


@dataclass(frozen=True)
class DistributedContext:
    """Where this process sits in a (possibly single-process) job."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @classmethod
    def from_environment(cls) -> DistributedContext:
        return cls(
            rank=int(os.environ.get("RANK", 0)),
            world_size=int(os.environ.get("WORLD_SIZE", 1)),
            local_rank=int(os.environ.get("LOCAL_RANK", 0)),
        )


@contextlib.contextmanager
def distributed_session(device_request: str) -> Iterator[tuple[DistributedContext, torch.device]]:
    """Choose the device and, under torchrun, join the process group for the block."""
    context = DistributedContext.from_environment()
    device = choose_device(device_request, context.local_rank)
    if not context.enabled:
        yield context, device
        return
    if device.type == "cuda":
        torch.cuda.set_device(device)
    else:
        # torchrun starts one process per core budget; share the cores instead of oversubscribing.
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // context.world_size))
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    try:
        yield context, device
    finally:
        dist.destroy_process_group()


def wrap_for_training(task: nn.Module, context: DistributedContext, device: torch.device):
    """DDP-wrap the task when distributed: gradients are averaged across ranks every step."""
    if not context.enabled:
        return task
    device_ids = [device.index] if device.type == "cuda" else None
    # A task trained in stages (global_local_contrastive) leaves some parameters out of each
    # stage's graph; it says so, and DDP then looks for them instead of waiting forever.
    unused = bool(getattr(task, "has_unused_parameters", False))
    return nn.parallel.DistributedDataParallel(task, device_ids=device_ids, find_unused_parameters=unused)


def weight_digest(module: nn.Module) -> str:
    """SHA-256 of every parameter: equal digests mean bit-identical weights.

    Parameters only: buffers such as a MoCo queue are broadcast from rank 0 at the start of
    every DDP forward, so after the last step each rank still holds its own last update.
    """
    digest = hashlib.sha256()
    for name, tensor in sorted(module.named_parameters()):
        digest.update(name.encode())
        flat = tensor.detach().cpu().contiguous().reshape(-1)
        digest.update(flat.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def gather_from_ranks(context: DistributedContext, value: str) -> list[str]:
    """Every rank's ``value``, in rank order (just ``[value]`` in a single process)."""
    return gather_objects(context, value)


def gather_objects(context: DistributedContext, value: T) -> list[T]:
    """Every rank's picklable ``value``, in rank order (just ``[value]`` in a single process)."""
    if not context.enabled:
        return [value]
    values: list[T] = [value] * context.world_size
    dist.all_gather_object(values, value)
    return values


def is_distributed() -> bool:
    """True inside an initialised process group of more than one rank."""
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


@torch.no_grad()
def concat_all_gather(tensor: torch.Tensor) -> torch.Tensor:
    """Every rank's ``tensor`` (N, ...) concatenated in rank order: (world_size * N, ...).

    MoCo's ``concat_all_gather``: no gradient flows through it, so use it only for keys and
    other no-grad values. A no-op outside a process group.
    """
    if not is_distributed():
        return tensor
    parts = [torch.empty_like(tensor) for _ in range(dist.get_world_size())]
    dist.all_gather(parts, tensor.contiguous())
    return torch.cat(parts)


@torch.no_grad()
def all_reduce_mean(tensor: torch.Tensor) -> torch.Tensor:
    """The mean of ``tensor`` over all ranks (DINO's center update); itself in one process."""
    if not is_distributed():
        return tensor
    total = tensor.clone()
    dist.all_reduce(total)
    return total / dist.get_world_size()


def rank_and_world() -> tuple[int, int]:
    """(rank, world size) of this process; (0, 1) outside a process group."""
    return (dist.get_rank(), dist.get_world_size()) if is_distributed() else (0, 1)


def barrier(context: DistributedContext) -> None:
    if context.enabled:
        dist.barrier()
