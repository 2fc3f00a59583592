"""Runnable reference implementations of self-supervised learning methods for medical imaging.

One small module per method (transform, model, loss, config, ``RECIPE``, ``smoke_check``,
``main``) over a shared harness (``runnable_refs.harness``). Importing this package does not
import torch: ``list_references()`` works without it, for the site and README renderers;
``load_encoder(path)`` imports it when called.
"""

from pathlib import Path
from typing import Any

from runnable_refs.registry import Reference, get_reference, list_references, reference_names


def load_encoder(path: str | Path) -> Any:
    """An encoder written by ``medssl refs export``, weights loaded, ready: an ``nn.Module``
    with ``features(x) -> (B, F)`` and a ``card`` saying what it expects. Needs torch."""
    from runnable_refs.harness.export import load_encoder as load

    return load(path)


__all__ = ["Reference", "get_reference", "list_references", "load_encoder", "reference_names"]
