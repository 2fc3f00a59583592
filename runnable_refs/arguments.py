"""Command-line options shared by ``medssl refs run`` and ``python -m runnable_refs.<method>``.

Torch-free, so the CLI can build its parser (and ``refs list`` can run) without PyTorch. The
CLI and the harness both import from here; the harness never imports the CLI.
"""

from __future__ import annotations

import argparse
from pathlib import Path

DEVICE_CHOICES = ("auto", "cpu", "cuda")
DATA_HELP = (
    "synthetic (default), dicom-sample, nifti-sample, nifti-4d-sample, retina-sample, "
    "phantom-sample, or a path: a .nii/.nii.gz file, a folder of NIfTI files, a DICOM series "
    "folder, a .csv/.json list of image files, a .dcm file or a MedMNIST .npz"
)


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of one pretraining run (everything but the reference's name)."""
    parser.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    parser.add_argument("--steps", type=int, help="training steps (default: the method's config)")
    parser.add_argument("--seed", type=int, help="default: the method's config (0)")
    parser.add_argument("--batch-size", type=int, help="default: the method's config")
    parser.add_argument("--data", default="synthetic", help=DATA_HELP)
    parser.add_argument("--out", type=Path, help="checkpoint folder (default: runs/<name>/)")
    parser.add_argument("--tiny", action="store_true", help="start from the smoke-check sized config")
    parser.add_argument("--config", type=Path, help="YAML file of config fields (see `medssl refs config NAME`)")
    parser.add_argument("--resume", type=Path, help="continue this checkpoint where it stopped")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run_parser(prog: str) -> argparse.ArgumentParser:
    """The parser of ``python -m runnable_refs.<method>``: the run options alone."""
    parser = argparse.ArgumentParser(prog=prog, description="Pretrain this reference.")
    add_run_arguments(parser)
    return parser
