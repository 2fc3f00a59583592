"""Device choice and mixed precision: ``auto|cpu|cuda``, bf16 autocast on CUDA only."""

from __future__ import annotations

import contextlib

import torch

from runnable_refs.errors import DeviceUnavailableError, UsageError

DEVICE_CHOICES = ("auto", "cpu", "cuda")


def choose_device(request: str = "auto", local_rank: int = 0) -> torch.device:
    """Turn ``auto|cpu|cuda`` (or ``cuda:N``) into a ``torch.device``.

    ``auto`` picks CUDA when one is usable, else the CPU. Asking for CUDA on a machine without
    it is a usage error with a message, not a crash deep inside the first ``.to()``.
    ``local_rank`` selects the GPU of this process under ``torchrun``.
    """
    if request == "auto":
        request = "cuda" if torch.cuda.is_available() else "cpu"
    if request == "cpu":
        return torch.device("cpu")
    if request.startswith("cuda"):
        if not torch.cuda.is_available():
            raise DeviceUnavailableError(
                "--device cuda was requested but CUDA is not available "
                f"(torch {torch.__version__}, built for CUDA: {torch.version.cuda or 'no'}). "
                "Use --device cpu or --device auto, or install a CUDA build of PyTorch."
            )
        index = int(request.split(":", 1)[1]) if ":" in request else local_rank
        if index >= torch.cuda.device_count():
            raise DeviceUnavailableError(
                f"cuda:{index} requested but only {torch.cuda.device_count()} GPU(s) are visible"
            )
        return torch.device("cuda", index)
    raise UsageError(f"unknown device {request!r}; choose one of {', '.join(DEVICE_CHOICES)}")


def autocast(device: torch.device) -> contextlib.AbstractContextManager[None]:
    """bf16 autocast on CUDA (no loss scaler needed for bf16); full fp32 on the CPU.

    CPU bf16 autocast exists but is slower than fp32 on most CPUs and changes the numbers the
    CPU smoke checks pin, so the CPU path stays fp32.
    """
    if device.type == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def move_to(batch: dict[str, torch.Tensor], device: torch.device) -> dict[str, torch.Tensor]:
    """Move every tensor of a batch to ``device`` (pinned, non-blocking copies on CUDA)."""
    if device.type != "cuda":
        return {key: value.to(device) for key, value in batch.items()}
    return {key: value.pin_memory().to(device, non_blocking=True) for key, value in batch.items()}
