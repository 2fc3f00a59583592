"""Shared set-up for the refs tests: thread count, the ``device`` parameter, the gpu marker.

Every test that takes a ``device`` argument runs on the CPU and, marked ``gpu``, on CUDA; the
CUDA case is skipped with a visible reason where no GPU is present, so a GPU workflow runs
exactly the same checks (``pytest tests/refs -m gpu``).
"""

from __future__ import annotations

import os

import pytest

try:
    import torch
except ImportError:  # the base suite runs without torch; torch tests skip themselves
    torch = None

if torch is not None:
    # Two threads use this 2-core machine fully; more only adds contention.
    torch.set_num_threads(min(2, os.cpu_count() or 1))


def cuda_available() -> bool:
    return torch is not None and torch.cuda.is_available()


DEVICES = [
    pytest.param("cpu", id="cpu"),
    pytest.param(
        "cuda",
        id="cuda",
        marks=[
            pytest.mark.gpu,
            pytest.mark.skipif(not cuda_available(), reason="CUDA is not available here"),
        ],
    ),
]


def pytest_configure(config: pytest.Config) -> None:
    # Also declared in pyproject.toml; registering here keeps `--strict-markers` happy either way.
    config.addinivalue_line("markers", "gpu: needs a CUDA device (skipped without one)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "device" in metafunc.fixturenames:
        metafunc.parametrize("device", DEVICES)
