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

It also times the data path of ``--data``: samples/s of random 64^3 crops from a folder of
NIfTI CT volumes (``--data PATH``, by default a synthetic folder written to a temporary
directory) through the MONAI pipeline in a ``DataLoader`` with ``--workers`` processes, through
the in-process cached ``VolumeSource`` the training runs use, and, for comparison, in-memory
synthetic volumes (``--no-data`` skips it).
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
import tempfile
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


def write_synthetic_nifti_folder(folder: Path, count: int = 8) -> list[Path]:
    """``count`` synthetic CT volumes (HU, 128 x 128 x 96 voxels of 0.8 x 0.8 x 2.5 mm) as NIfTI."""
    import nibabel
    import numpy as np

    from runnable_refs.harness import data_generator
    from runnable_refs.harness.synthetic import synthetic_ct_volumes

    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for index in range(count):
        volume = synthetic_ct_volumes(1, (96, 128, 128), data_generator(index)).images[0, 0]  # (z, y, x)
        array = volume.permute(2, 1, 0).numpy().astype(np.int16)  # (x, y, z)
        files.append(folder / f"ct{index:02d}.nii.gz")
        nibabel.save(nibabel.Nifti1Image(array, np.diag([0.8, 0.8, 2.5, 1.0])), str(files[-1]))
    return files


def measure_data_pipeline(data: Path | None, workers: int, batches: int = 6, batch_size: int = 4) -> dict[str, object]:
    """Samples/s of 64^3 crops: MONAI DataLoader (workers), cached VolumeSource, synthetic."""
    import torch

    from runnable_refs.harness import data_generator
    from runnable_refs.harness.sources import SyntheticSource
    from runnable_refs.harness.volumes import VolumeSource, crop_loader, resolve_volumes

    shape = (64, 64, 64)
    with tempfile.TemporaryDirectory() as scratch:
        files = resolve_volumes(str(data)) if data else write_synthetic_nifti_folder(Path(scratch) / "nifti")
        files = files * max(1, (batches + 1) * batch_size // len(files))  # enough samples for the timing
        rates = {}
        loader = crop_loader(files, shape, batch_size, workers)
        start, seen = time.perf_counter(), 0
        for index, batch in enumerate(loader):
            if index == 0:  # workers start and the first files load: warm-up
                start, seen = time.perf_counter(), 0
                continue
            seen += len(batch)
        rates["monai_dataloader"] = seen / (time.perf_counter() - start) if seen else 0.0
        source = VolumeSource(sorted(set(files)), "bench")
        generator = data_generator(0)
        for _ in range(len(source.files)):  # fill the cache: the steady state of a training run
            source.sample(1, shape, generator)
        start = time.perf_counter()
        for _ in range(batches):
            source.sample(batch_size, shape, generator)
        rates["volume_source_cached"] = batches * batch_size / (time.perf_counter() - start)
        start = time.perf_counter()
        for _ in range(batches):
            SyntheticSource().sample(batch_size, shape, generator)
        rates["synthetic_in_memory"] = batches * batch_size / (time.perf_counter() - start)
    described = str(data) if data else "synthetic NIfTI folder (8 CT volumes, 128x128x96 at 0.8x0.8x2.5 mm)"
    return {
        "data": described,
        "crop": list(shape),
        "workers": workers,
        "batch_size": batch_size,
        "threads": torch.get_num_threads(),
        "samples_per_second": rates,
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
        "smoke" if name in (args.smoke_names or []) else args.preset,
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
    parser.add_argument(
        "--smoke-names", nargs="*", help="references timed with their smoke config (each row says its preset)"
    )
    parser.add_argument("--data", type=Path, help="NIfTI folder/list for the data-path timing (default: synthetic)")
    parser.add_argument("--workers", type=int, default=2, help="DataLoader worker processes for --data")
    parser.add_argument("--no-data", action="store_true", help="skip the data-path timing")
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
    pipeline = None if args.no_data else measure_data_pipeline(args.data, args.workers)
    if pipeline is not None:
        print(f"\n# data path, {pipeline['data']}: random {'x'.join(map(str, pipeline['crop']))} crops")
        for path, rate in pipeline["samples_per_second"].items():
            print(f"{path:24}{rate:>10.1f} samples/s")
    if args.json:
        from machine import machine_info, measured_on  # bench/ is on sys.path when run as a script

        from site_builder.catalog.write import write_atomic

        document = {"measured": measured_on(), "machine": machine_info(("torch", "monai")), "rows": rows}
        if pipeline is not None:
            document["data_pipeline"] = pipeline
        write_atomic(args.json, json.dumps(document, indent=2) + "\n")
    return 0 if all("error" not in row for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
