"""Runnable reference implementations of self-supervised learning methods for medical imaging.

One small module per method (transform, model, loss, config, ``RECIPE``, ``smoke_check``,
``main``) over a shared harness (``runnable_refs.harness``). Importing this package does not
import torch: ``list_references()`` works without it, for the site and README renderers.
"""

from runnable_refs.registry import Reference, get_reference, list_references, reference_names

__all__ = ["Reference", "get_reference", "list_references", "reference_names"]
