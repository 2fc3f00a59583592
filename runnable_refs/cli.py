"""``medssl refs ...`` / ``python -m runnable_refs ...``: thin commands over the harness.

    list     [--json]                     the references, their papers and input shapes
    config   NAME [--tiny]                every config field as YAML, for ``--config FILE``
    run      NAME [--device --steps --config --resume ...]   pretrain, save a checkpoint
    probe    NAME [--checkpoint ...]      pretrained vs random-init scores on a labelled task
    export   NAME --checkpoint C -o encoder.pt   the backbone's weights and a JSON card
    finetune NAME --task segmentation|classification [--encoder encoder.pt --data ...]
    denoise  patch2self --checkpoint C --input dwi.nii.gz -o denoised.nii.gz
    smoke    [NAME ...] [--device ...]    every reference's smoke check, as a table

Exit codes: 0 ok, 1 a check failed, 2 a usage problem (unknown name, no CUDA, bad data, no
torch). Importing this module needs no torch; ``list`` works without it. Imports run one way:
this module imports the harness (lazily), the harness never imports this module.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from types import ModuleType

from runnable_refs.arguments import DATA_HELP, DEVICE_CHOICES, add_run_arguments
from runnable_refs.errors import RefsError, TorchMissingError, UsageError
from runnable_refs.registry import get_reference, list_references, reference_names


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="medssl refs", description="Runnable reference implementations of SSL methods."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="list the references")
    listing.add_argument("--json", action="store_true", help="print a JSON list of objects")

    config = commands.add_parser("config", help="print every config field as YAML")
    config.add_argument("name", help="reference name (see `list`)")
    config.add_argument("--tiny", action="store_true", help="the smoke-check sized config")

    run = commands.add_parser("run", help="pretrain a reference and save a checkpoint")
    run.add_argument("name", help="reference name (see `list`)")
    add_run_arguments(run)

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

    export = commands.add_parser("export", help="write the pretrained backbone and a JSON card")
    export.add_argument("name", help="reference name (see `list`)")
    export.add_argument("--checkpoint", type=Path, help="default: runs/<name>/checkpoint.pt")
    export.add_argument("-o", "--output", type=Path, default=Path("encoder.pt"), help="default: encoder.pt")

    finetune = commands.add_parser("finetune", help="fine-tune an exported encoder vs random init")
    finetune.add_argument("name", help="reference name (see `list`)")
    finetune.add_argument("--task", choices=("segmentation", "classification"), required=True)
    finetune.add_argument("--encoder", type=Path, help="exported encoder (default: export runs/<name>/)")
    finetune.add_argument(
        "--data",
        default="synthetic",
        help="synthetic (labelled lesions) or a .csv/.json list of NIfTI image/label pairs",
    )
    finetune.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    finetune.add_argument("--steps", type=int, default=100, help="fine-tuning steps per model")
    finetune.add_argument("--labels", type=int, default=16, help="labelled training samples")
    finetune.add_argument("--test-samples", type=int, default=16, help="held-out samples scored")
    finetune.add_argument("--seed", type=int, default=0)

    denoise = commands.add_parser("denoise", help="denoise a 4D diffusion NIfTI with patch2self")
    denoise.add_argument("name", choices=("patch2self",), help="the denoising reference")
    denoise.add_argument("--checkpoint", type=Path, help="a patch2self checkpoint (default: fit on --input)")
    denoise.add_argument("--input", type=Path, required=True, help="4D .nii/.nii.gz series")
    denoise.add_argument("-o", "--output", type=Path, required=True, help="denoised .nii.gz to write")
    denoise.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    denoise.add_argument("--steps", type=int, default=200, help="fitting steps when no checkpoint")

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


def command_config(args: argparse.Namespace) -> int:
    module = _method_module(args.name)
    from runnable_refs.harness.commands import config_to_yaml

    print(config_to_yaml(module.RECIPE.smoke_config if args.tiny else module.RECIPE.config), end="")
    return 0


def command_run(args: argparse.Namespace) -> int:
    module = _method_module(args.name)
    from runnable_refs.harness.commands import run_reference

    return run_reference(module.RECIPE, args)


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


def command_export(args: argparse.Namespace) -> int:
    module = _method_module(args.name)
    from runnable_refs.harness.export import export_encoder

    checkpoint = args.checkpoint or Path("runs") / args.name / "checkpoint.pt"
    weights, card = export_encoder(module.RECIPE, checkpoint, args.output)
    print(f"encoder: {weights}\ncard: {card}")
    task = "segmentation" if get_reference(args.name).dimension == "3D" else "classification"
    print(f"next: medssl refs finetune {args.name} --encoder {weights} --task {task}")
    return 0


def command_finetune(args: argparse.Namespace) -> int:
    module = _method_module(args.name)
    from runnable_refs.harness.export import export_encoder
    from runnable_refs.harness.finetune import finetune

    encoder = args.encoder
    if encoder is None:
        checkpoint = Path("runs") / args.name / "checkpoint.pt"
        encoder, _ = export_encoder(module.RECIPE, checkpoint, Path("runs") / args.name / "encoder.pt")
    if args.steps < 1 or args.labels < 2 or args.test_samples < 2:
        raise UsageError("--steps must be at least 1, --labels and --test-samples at least 2")
    report = finetune(encoder, args.task, args.data, args.device, args.steps, args.labels, args.seed, args.test_samples)
    print(report.format())
    return 0


def command_denoise(args: argparse.Namespace) -> int:
    module = _method_module(args.name)
    written = module.denoise_file(args.input, args.output, args.checkpoint, args.device, args.steps)
    print(f"denoised series: {written}")
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
        print(f"  {results[-1].name}: {status} ({results[-1].seconds:.1f} s)", file=sys.stderr)
    print(format_smoke_table(results))
    return 0 if all(result.passed for result in results) else 1


COMMANDS = {
    "config": command_config,
    "run": command_run,
    "probe": command_probe,
    "export": command_export,
    "finetune": command_finetune,
    "denoise": command_denoise,
    "smoke": command_smoke,
}


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``), run the command, return its exit code."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_request:  # argparse exits 2 on usage errors, 0 after --help
        return int(exit_request.code or 0)
    try:
        if args.command == "list":
            return command_list(args.json)
        return COMMANDS[args.command](args)
    except RefsError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
