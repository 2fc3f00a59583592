"""Training speed and peak memory of every runnable reference, per device.

    python bench/refs_speed.py                  # all references, CPU (and CUDA when present)
    python bench/refs_speed.py --names mae dino --steps 20 --json bench-refs.json

Each (reference, device) runs in a fresh subprocess, so the peak memory of one does not hide
another's. It trains the reference's default (demo) config: ``--warmup`` untimed steps, then
``--steps`` timed ones; a step includes making the batch (synthetic data and the pretext
transform), as in ``medssl refs run``. "steps/s" is steps over total time; "median" is one
over the median step time, which a busy shared machine disturbs less. CPU memory is the
process's peak resident set size (it includes the ~0.3 GiB that importing torch costs) and, as
"+train", its growth over the resident size just before training; CUDA memory is torch's peak
allocation.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from runnable_refs.registry import reference_names  # noqa: E402


def resident_mib() -> float:
    """Current resident set size of this process, from /proc (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure_one(name: str, device: str, steps: int, warmup: int, preset: str) -> dict[str, object]:
    """Train ``name`` on ``device`` in this process and return its numbers."""
    import torch

    from runnable_refs.harness.device import choose_device
    from runnable_refs.harness.recipe import data_seed
    from runnable_refs.harness.reproducibility import data_generator, seed_everything
    from runnable_refs.harness.sources import open_source
    from runnable_refs.harness.training import train

    module = importlib.import_module(f"runnable_refs.{name}")
    recipe = module.RECIPE
    config = recipe.config if preset == "default" else recipe.smoke_config
    torch_device = choose_device(device)
    seed_everything(config.seed, deterministic=False)  # speed, not bit-reproducibility
    task = recipe.build_task(config).to(torch_device)
    source = open_source("synthetic", recipe.data_dimension)
    generator = data_generator(data_seed(config.seed, 0))

    def next_batch():
        return recipe.make_batch(source, config, generator)

    train(task, next_batch, dataclasses.replace(config, steps=warmup), torch_device, False)
    before = resident_mib()
    if torch_device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats(torch_device)
    start = time.perf_counter()
    report = train(task, next_batch, dataclasses.replace(config, steps=steps), torch_device, False)
    if torch_device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {
        "name": name,
        "device": str(torch_device),
        "preset": preset,
        "input_shape": list(config.input_shape),
        "batch_size": config.batch_size,
        "parameters": sum(p.numel() for p in task.parameters()),
        "steps": steps,
        "steps_per_second": steps / seconds,
        "median_steps_per_second": 1.0 / statistics.median(report.step_seconds),
        "final_loss": report.losses[-1],
        "peak_rss_mib": peak,
        "train_rss_growth_mib": max(0.0, peak - before),
        "cuda_peak_mib": (
            torch.cuda.max_memory_allocated(torch_device) / 2**20 if torch_device.type == "cuda" else None
        ),
        "threads": torch.get_num_threads(),
    }


def run_in_subprocess(name: str, device: str, args: argparse.Namespace) -> dict[str, object]:
    command = [
        sys.executable,
        __file__,
        "--one",
        name,
        "--device",
        device,
        "--steps",
        str(args.steps),
        "--warmup",
        str(args.warmup),
        "--preset",
        args.preset,
    ]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT)
    if done.returncode != 0:
        return {"name": name, "device": device, "error": done.stderr.strip().splitlines()[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def format_table(rows: list[dict[str, object]]) -> str:
    header = (
        f"{'reference':28}{'device':8}{'input (C,...)':16}{'batch':>6}{'params':>9}"
        f"{'steps/s':>9}{'median':>8}{'peak RSS MiB':>14}{'+train MiB':>12}{'CUDA MiB':>10}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        if "error" in row:
            lines.append(f"{row['name']:28}{row['device']:8}error: {row['error']}")
            continue
        shape = "x".join(str(side) for side in row["input_shape"])
        cuda = "-" if row["cuda_peak_mib"] is None else f"{row['cuda_peak_mib']:.0f}"
        lines.append(
            f"{row['name']:28}{row['device']:8}{shape:16}{row['batch_size']:>6}"
            f"{row['parameters'] / 1e3:>8.0f}k{row['steps_per_second']:>9.2f}"
            f"{row['median_steps_per_second']:>8.2f}"
            f"{row['peak_rss_mib']:>14.0f}{row['train_rss_growth_mib']:>12.0f}{cuda:>10}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", nargs="*", default=None, help="default: every reference")
    parser.add_argument("--devices", nargs="*", default=None, help="default: cpu (+cuda)")
    parser.add_argument("--steps", type=int, default=10, help="timed steps")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    parser.add_argument("--preset", choices=("default", "smoke"), default="default")
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--device", default="cpu", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.one:  # the child: measure one and print it as a JSON line
        print(json.dumps(measure_one(args.one, args.device, args.steps, args.warmup, args.preset)))
        return 0

    import torch

    devices = args.devices or (["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"])
    rows = [run_in_subprocess(name, device, args) for device in devices for name in (args.names or reference_names())]
    print(
        f"# {platform.node()}: {os.cpu_count()} CPUs, torch {torch.__version__}, "
        f"load average {os.getloadavg()[0]:.1f}; {args.preset} configs, "
        f"{args.steps} timed steps after {args.warmup} warm-up"
    )
    print(format_table(rows))
    if args.json:
        from machine import machine_info, measured_on  # bench/ is on sys.path when run as a script

        from site_builder.write import write_atomic

        document = {"measured": measured_on(), "machine": machine_info(("torch",)), "rows": rows}
        write_atomic(args.json, json.dumps(document, indent=2) + "\n")
    return 0 if all("error" not in row for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
