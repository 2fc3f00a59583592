"""``medssl refs ...`` / ``python -m runnable_refs ...``: thin commands over the harness.

    list  [--json]                      the references, their papers and input shapes
    run   NAME [--device --steps ...]   pretrain on synthetic or real data, save a checkpoint
    probe NAME [--checkpoint ...]       pretrained vs random-init scores on a labelled task
    smoke [NAME ...] [--device ...]     every reference's smoke check, as a table

Exit codes: 0 ok, 1 a check failed, 2 a usage problem (unknown name, no CUDA, bad data, no
torch). Importing this module needs no torch; ``list`` works without it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType

from runnable_refs.errors import RefsError, TorchMissingError, UsageError
from runnable_refs.registry import get_reference, list_references, reference_names

DEVICE_CHOICES = ("auto", "cpu", "cuda")
DATA_HELP = (
    "synthetic (default), dicom-sample, nifti-sample, nifti-4d-sample, retina-sample, "
    "phantom-sample, or a path to .npz (MedMNIST), .nii/.nii.gz, .dcm or a DICOM folder"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="medssl refs", description="Runnable reference implementations of SSL methods."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="list the references")
    listing.add_argument("--json", action="store_true", help="print a JSON list of objects")

    run = commands.add_parser("run", help="pretrain a reference and save a checkpoint")
    run.add_argument("name", help="reference name (see `list`)")
    run.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    run.add_argument("--steps", type=int, help="training steps (default: the method's config)")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--batch-size", type=int, help="default: the method's config")
    run.add_argument("--data", default="synthetic", help=DATA_HELP)
    run.add_argument("--out", type=Path, help="checkpoint folder (default: runs/<name>/)")
    run.add_argument("--tiny", action="store_true", help="the smoke-check sized config")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")

    probe = commands.add_parser("probe", help="pretrained vs random-init on a labelled task")
    probe.add_argument("name", help="reference name (see `list`)")
    probe.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    probe.add_argument("--checkpoint", type=Path, help="default: runs/<name>/checkpoint.pt")
    probe.add_argument(
        "--data",
        default="synthetic",
        help="synthetic (lesion detection) or a MedMNIST .npz with labels",
    )
    probe.add_argument("--mode", choices=("linear", "finetune", "both"), default="both")
    probe.add_argument("--labels", type=int, default=64, help="labelled training images")

    smoke = commands.add_parser("smoke", help="run smoke checks and print a table")
    smoke.add_argument("names", nargs="*", help="references to check (default: all)")
    smoke.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    smoke.add_argument("--data", default="synthetic", help=DATA_HELP)
    return parser


def _method_module(name: str) -> ModuleType:
    """Import torch (or explain how to get it), then the reference's module."""
    reference = get_reference(name)
    try:
        importlib.import_module("torch")
    except ImportError as error:
        raise TorchMissingError() from error
    return importlib.import_module(reference.module)


def command_list(as_json: bool) -> int:
    rows = list_references()
    if as_json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'name':28}{'paper':42}{'dim':5}{'input shape':18}pretext")
    for row in rows:
        shape = "x".join(str(side) for side in row["input_shape"])  # type: ignore[union-attr]
        print(f"{row['name']:28}{row['paper']:42}{row['dimension']:5}{shape:18}{row['pretext']}")
    return 0


def command_run(args: argparse.Namespace) -> int:
    module = _method_module(args.name)
    from runnable_refs.harness.distributed import DistributedContext
    from runnable_refs.harness.recipe import pretrain

    recipe = module.RECIPE
    config = recipe.smoke_config if args.tiny else recipe.config
    overrides = {"seed": args.seed}
    if args.steps is not None:
        overrides["steps"] = args.steps
    if args.batch_size is not None:
        overrides["batch_size"] = args.batch_size
    if overrides.get("steps", 1) < 1 or overrides.get("batch_size", 2) < 2:
        raise UsageError("--steps must be at least 1 and --batch-size at least 2")
    config = replace(config, **overrides)
    out = args.out or Path("runs") / args.name
    result = pretrain(recipe, config, args.data, args.device, out, progress=not args.no_progress)
    if DistributedContext.from_environment().is_main:
        losses = result.report.losses
        print(
            f"{args.name}: {len(losses)} steps in {result.report.seconds:.1f} s "
            f"({result.report.steps_per_second:.2f} steps/s on {result.report.device}), "
            f"loss {losses[0]:.4f} -> {losses[-1]:.4f}"
        )
        if len(result.rank_digests) > 1:
            same = len(set(result.rank_digests)) == 1
            print(f"{len(result.rank_digests)} ranks, identical weights: {'yes' if same else 'NO'}")
        print(f"checkpoint: {result.checkpoint}")
        print(f"next: medssl refs probe {args.name} --checkpoint {result.checkpoint}")
    return 0


def command_probe(args: argparse.Namespace) -> int:
    module = _method_module(args.name)
    from runnable_refs.harness.probe import probe

    if args.labels < 2:
        raise UsageError("--labels must be at least 2")
    checkpoint = args.checkpoint or Path("runs") / args.name / "checkpoint.pt"
    modes = ("linear", "finetune") if args.mode == "both" else (args.mode,)
    report = probe(module.RECIPE, checkpoint, args.device, args.data, modes, args.labels)
    print(report.format())
    return 0


def command_smoke(args: argparse.Namespace) -> int:
    names = args.names or reference_names()
    modules = [_method_module(name) for name in names]  # unknown names fail before any run
    from runnable_refs.harness.device import choose_device
    from runnable_refs.harness.smoke import format_smoke_table

    device = choose_device(args.device).type
    results = []
    for module in modules:
        results.append(module.smoke_check(device, args.data))
        status = "skipped" if results[-1].skipped else "ok" if results[-1].passed else "FAILED"
        print(f"  {results[-1].name}: {status}", file=sys.stderr)
    print(format_smoke_table(results))
    return 0 if all(result.passed for result in results) else 1


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``), run the command, return its exit code."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_request:  # argparse exits 2 on usage errors, 0 after --help
        return int(exit_request.code or 0)
    try:
        if args.command == "list":
            return command_list(args.json)
        if args.command == "run":
            return command_run(args)
        if args.command == "probe":
            return command_probe(args)
        return command_smoke(args)
    except RefsError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
