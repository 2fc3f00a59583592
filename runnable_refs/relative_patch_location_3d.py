"""3D relative patch location: where does this patch sit relative to the centre patch?

Taleb, Loetzsch, Danz, Severin, Gaertner, Bergner, Lippert. "3D Self-Supervised Methods for
Medical Imaging". NeurIPS 2020. https://arxiv.org/abs/2006.03829. Catalog id:
``taleb2020-3d-self-supervised-methods``.

Paper, Sec. 3, "Relative 3D patch location (3D-RPL)": a volume is divided into a 3x3x3 grid;
the centre patch and one of its 26 neighbours are encoded by the same (siamese) network and a
classifier predicts which neighbour it was. As in the 2D original (Doersch et al., ICCV 2015)
patches are cut with a random jitter inside their grid cell, so a network cannot solve the
task by matching edges or continuing lines across borders.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from runnable_refs.harness import (
    Batch,
    ConvEncoder,
    ImageSource,
    Recipe,
    SmokeResult,
    TrainingConfig,
    accuracy,
    deterministic_cross_entropy,
    expect_above_chance,
    expect_shape,
    reference_main,
    run_smoke_check,
)

GRID = 3  # cells per side
CENTRE = (1, 1, 1)
NEIGHBOURS = tuple(  # label -> grid cell (d, h, w) of the query patch; 26 of them
    (d, h, w) for d in range(GRID) for h in range(GRID) for w in range(GRID) if (d, h, w) != CENTRE
)


@dataclass
class RelativePatchLocationConfig(TrainingConfig):
    volume_size: int = 36  # 3 cells of 12 voxels per side
    patch_size: int = 10  # < cell size: the 2-voxel slack is the random jitter ("gap")
    widths: tuple[int, ...] = (16, 32, 64)  # siamese 3D encoder channels
    hidden: int = 128  # classifier MLP width on the concatenated pair of features

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (1, self.volume_size, self.volume_size, self.volume_size)


# --- Transform (paper Sec. 3, "Relative 3D patch location") -------------------------------------


def cut_patch(volume: torch.Tensor, cell: tuple[int, ...], patch_size: int, generator: torch.Generator) -> torch.Tensor:
    """Cut a ``patch_size``^3 patch at a random offset inside grid ``cell`` of (C, D, H, W)."""
    cell_size = volume.shape[-1] // GRID
    slices = [slice(None)]
    for index in cell:
        jitter = int(torch.randint(cell_size - patch_size + 1, (1,), generator=generator))
        start = index * cell_size + jitter
        slices.append(slice(start, start + patch_size))
    return volume[tuple(slices)]


def make_batch(source: ImageSource, config: RelativePatchLocationConfig, generator: torch.Generator) -> Batch:
    volumes = source.sample(config.batch_size, (config.volume_size,) * 3, generator)
    labels = torch.randint(len(NEIGHBOURS), (config.batch_size,), generator=generator)
    centres, queries = [], []
    for volume, label in zip(volumes, labels, strict=True):
        centres.append(cut_patch(volume, CENTRE, config.patch_size, generator))
        queries.append(cut_patch(volume, NEIGHBOURS[int(label)], config.patch_size, generator))
    # (B, 1, p, p, p) each, and (B,) labels in [0, 26)
    return {"centres": torch.stack(centres), "queries": torch.stack(queries), "labels": labels}


# --- Model and loss: shared encoder, concatenated features, 26-way classifier ------------------


class RelativePatchLocationTask(nn.Module):
    def __init__(self, config: RelativePatchLocationConfig):
        super().__init__()
        self.encoder = ConvEncoder(3, 1, config.widths)
        width = self.encoder.out_channels
        self.classifier = nn.Sequential(
            nn.Linear(2 * width, config.hidden),
            nn.GELU(),
            nn.Linear(config.hidden, len(NEIGHBOURS)),
        )

    def logits(self, centres: torch.Tensor, queries: torch.Tensor) -> torch.Tensor:
        pair = torch.cat([self.encoder.features(centres), self.encoder.features(queries)], dim=1)
        return self.classifier(pair)  # (B, 26)

    def forward(self, centres: torch.Tensor, queries: torch.Tensor, labels: torch.Tensor):
        return deterministic_cross_entropy(self.logits(centres, queries), labels)


RECIPE = Recipe(
    name="relative_patch_location_3d",
    config=RelativePatchLocationConfig(),
    smoke_config=RelativePatchLocationConfig(
        steps=60,
        batch_size=16,
        volume_size=24,
        patch_size=7,
        widths=(8, 16),
        hidden=64,
        learning_rate=3e-3,
    ),
    build_task=RelativePatchLocationTask,
    make_batch=make_batch,
    data_dimension=3,
    probe_data="ct-cube",
)


def smoke_check(device: str = "cpu", data: str = "synthetic") -> SmokeResult:
    """Logits are (B, 26); held-out neighbours are located well above chance (1/26)."""

    def check_outputs(task: nn.Module, batch: Batch) -> None:
        logits = task.logits(batch["centres"], batch["queries"])
        expect_shape(logits, (len(batch["labels"]), len(NEIGHBOURS)), "logits")

    def check_pretext(task: nn.Module, batches: list[Batch]) -> dict[str, float]:
        logits = torch.cat([task.logits(b["centres"], b["queries"]) for b in batches])
        labels = torch.cat([b["labels"] for b in batches])
        return expect_above_chance("location accuracy", accuracy(logits, labels), 1 / len(NEIGHBOURS), 0.1)

    return run_smoke_check(RECIPE, check_outputs, device, data, check_pretext=check_pretext)


def main(argv: list[str] | None = None) -> int:
    return reference_main(RECIPE, argv)


if __name__ == "__main__":
    raise SystemExit(main())
