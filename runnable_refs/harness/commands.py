"""What the ``run`` and ``config`` commands do, callable from Python and from a method's ``main``.

``runnable_refs.cli`` parses and calls these; a method module's ``main()`` calls
``reference_main``, which parses the same run options (``runnable_refs.arguments``) without
going through the CLI, so imports run one way: cli -> harness.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import typing
from pathlib import Path
from typing import Any

import yaml

from runnable_refs.arguments import run_parser
from runnable_refs.errors import UsageError
from runnable_refs.harness.distributed import DistributedContext
from runnable_refs.harness.recipe import Recipe, pretrain
from runnable_refs.harness.training import TrainingConfig


def config_to_yaml(config: TrainingConfig) -> str:
    """Every field of ``config`` as YAML, in declaration order: a complete ``--config`` file."""
    values = {field.name: getattr(config, field.name) for field in dataclasses.fields(config)}
    plain = {name: list(value) if isinstance(value, tuple) else value for name, value in values.items()}
    header = f"# {type(config).__name__}: every field; edit and pass with --config FILE\n"
    return header + yaml.safe_dump(plain, sort_keys=False)


def load_config_file(path: Path, base: TrainingConfig) -> TrainingConfig:
    """``base`` with the fields a YAML file sets; unknown fields and wrong types are usage errors."""
    if not Path(path).exists():
        raise UsageError(f"--config {path}: no such file")
    try:
        loaded = yaml.safe_load(Path(path).read_text()) or {}
    except yaml.YAMLError as error:
        raise UsageError(f"--config {path}: not valid YAML ({error})") from error
    if not isinstance(loaded, dict):
        raise UsageError(f"--config {path}: expected a mapping of field: value")
    fields = {field.name: field for field in dataclasses.fields(base)}
    unknown = sorted(set(loaded) - set(fields))
    if unknown:
        raise UsageError(f"--config {path}: unknown field(s) {', '.join(unknown)}; known: {', '.join(fields)}")
    hints = typing.get_type_hints(type(base))
    values: dict[str, Any] = {}
    for name, value in loaded.items():
        current = getattr(base, name)
        if isinstance(current, tuple) and isinstance(value, list):
            value = tuple(value)
        elif isinstance(current, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        expected = typing.get_origin(hints[name]) or hints[name]
        if isinstance(expected, type) and not isinstance(value, expected):
            raise UsageError(f"--config {path}: {name} should be {expected.__name__}, got {value!r}")
        values[name] = value
    return dataclasses.replace(base, **values)


def resolve_config(recipe: Recipe[Any], args: argparse.Namespace) -> TrainingConfig:
    """The run's config: the demo (or ``--tiny``) defaults, then ``--config``, then flags."""
    config = recipe.smoke_config if args.tiny else recipe.config
    if args.config is not None:
        config = load_config_file(args.config, config)
    overrides = {}
    for flag, field in (("steps", "steps"), ("batch_size", "batch_size"), ("seed", "seed")):
        if getattr(args, flag) is not None:
            overrides[field] = getattr(args, flag)
    config = dataclasses.replace(config, **overrides)
    if config.steps < 1 or config.batch_size < 2:
        raise UsageError("--steps must be at least 1 and --batch-size at least 2")
    return config


def run_reference(recipe: Recipe[Any], args: argparse.Namespace) -> int:
    """``medssl refs run NAME ...``: pretrain, save the checkpoint, print a summary."""
    config = resolve_config(recipe, args)
    out = args.out or Path("runs") / recipe.name
    result = pretrain(recipe, config, args.data, args.device, out, progress=not args.no_progress, resume=args.resume)
    if DistributedContext.from_environment().is_main:
        losses = result.report.losses
        done = f"{len(losses)} steps" if args.resume is None else f"{len(losses)} more steps"
        print(
            f"{recipe.name}: {done} in {result.report.seconds:.1f} s "
            f"({result.report.steps_per_second:.2f} steps/s on {result.report.device}), "
            + (f"loss {losses[0]:.4f} -> {losses[-1]:.4f}" if losses else "nothing left to do")
        )
        if len(result.rank_digests) > 1:
            same = len(set(result.rank_digests)) == 1
            print(f"{len(result.rank_digests)} ranks, identical weights: {'yes' if same else 'NO'}")
        print(f"checkpoint: {result.checkpoint}")
        print(f"next: medssl refs export {recipe.name} --checkpoint {result.checkpoint} -o encoder.pt")
    return 0


def reference_main(recipe: Recipe[Any], argv: list[str] | None = None) -> int:
    """``python -m runnable_refs.<method> [run options]``: the same as ``refs run <method>``."""
    from runnable_refs.errors import RefsError

    parser = run_parser(f"python -m runnable_refs.{recipe.name}")
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exit_request:
        return int(exit_request.code or 0)
    try:
        return run_reference(recipe, args)
    except RefsError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
