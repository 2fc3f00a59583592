"""The refs' small exception hierarchy; the CLI maps each class to an exit code.

0 ok, 1 a check failed (a smoke check, a run that diverged), 2 a usage problem the user can fix
(an unknown reference, ``--device cuda`` without CUDA, data that cannot feed a method).
Kept free of torch so the CLI can report "torch is missing" without a traceback.
"""

from __future__ import annotations


class RefsError(Exception):
    """Base class: every error the refs raise on purpose."""

    exit_code = 2


class UsageError(RefsError):
    """A request that cannot be met as asked; the message says how to fix it."""

    exit_code = 2


class TorchMissingError(UsageError):
    """PyTorch is not installed; the refs extra brings it."""

    def __init__(self) -> None:
        super().__init__("PyTorch is not installed: install the refs extra: pip install -e '.[refs]'")


class UnknownReferenceError(UsageError):
    """A reference name that is not in the registry."""


class DeviceUnavailableError(UsageError):
    """``--device cuda`` was asked for on a machine without a usable CUDA device."""


class DataUnavailableError(UsageError):
    """The requested data cannot feed this method (wrong dimension, missing file, no labels)."""


class CheckFailedError(RefsError):
    """A smoke check or a training run found a real problem (non-finite loss, no learning)."""

    exit_code = 1
