"""DDP: ``torchrun --nproc_per_node 2 -m runnable_refs run ...`` on two CPU processes (gloo)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from runnable_refs.harness.training import load_checkpoint  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["moco_cxr"])  # the hard case: momentum encoder and queue
def test__two_cpu_ranks_end_with_identical_weights(name: str, tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        "-m",
        "runnable_refs",
        "run",
        name,
        "--tiny",
        "--steps",
        "4",
        "--device",
        "cpu",
        "--out",
        str(tmp_path),
        "--no-progress",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 ranks, identical weights: yes" in done.stdout
    saved = load_checkpoint(tmp_path / "checkpoint.pt")
    assert saved["world_size"] == 2
    digests = saved["rank_digests"]
    assert len(digests) == 2 and digests[0] == digests[1]
