"""Seeding and determinism: the same seed gives the same losses, on the CPU and on CUDA.

Randomness has two sources here: the data pipeline (synthetic images, crops, pretext
transforms), which draws from an explicit CPU ``torch.Generator`` so it does not depend on the
device, and the model (initial weights, dropout), which uses the global RNG seeded below.
"""

from __future__ import annotations

import os
import random

import numpy as np
import torch
import torch.nn.functional as F


def seed_everything(seed: int, deterministic: bool = True, strict: bool = False) -> None:
    """Seed Python, NumPy and torch; optionally ask torch for deterministic kernels.

    ``strict`` makes a non-deterministic CUDA kernel an error (the smoke checks use it so a GPU
    run exposes one); otherwise torch only warns, so a demo run never dies over it.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # seeds every CUDA device too
    if deterministic:
        # cuBLAS needs a fixed workspace to be deterministic; it is read when cuBLAS starts.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True
        torch.use_deterministic_algorithms(True, warn_only=not strict)


def data_generator(seed: int) -> torch.Generator:
    """A CPU generator for the data pipeline, so batches are identical whatever the device."""
    return torch.Generator(device="cpu").manual_seed(seed)


def deterministic_cross_entropy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy for integer class labels that is deterministic on CUDA.

    ``F.cross_entropy`` with class indices runs ``NLLLoss``, which has no deterministic CUDA
    kernel; with one-hot probability targets torch computes ``-(p * log_softmax).sum()``,
    which is deterministic and gives the same value.
    """
    targets = F.one_hot(labels, num_classes=logits.shape[-1]).float()  # (N, K)
    return F.cross_entropy(logits.float(), targets)
