"""3D rotation prediction: classify which of 10 axis-aligned rotations a volume went through.

Taleb, Loetzsch, Danz, Severin, Gaertner, Bergner, Lippert. "3D Self-Supervised Methods for
Medical Imaging". NeurIPS 2020. https://arxiv.org/abs/2006.03829. Catalog id:
``taleb2020-3d-self-supervised-methods``.

Paper, Sec. 3, "3D Rotation prediction (3D-Rot)": a volume is rotated by a multiple of 90
degrees about one of its three axes, and a 3D network classifies the rotation. Identity plus
3 axes x 3 non-zero angles gives 10 classes.
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

# Class k -> (plane of rotation as volume axes, quarter turns); axes are (D, H, W) = (0, 1, 2).
ROTATIONS: tuple[tuple[tuple[int, int], int], ...] = (
    ((1, 2), 0),
    *((plane, turns) for plane in ((1, 2), (0, 2), (0, 1)) for turns in (1, 2, 3)),
)


@dataclass
class Rotation3DConfig(TrainingConfig):
    volume_size: int = 32  # cubic, so every rotation keeps the shape
    widths: tuple[int, ...] = (16, 32, 64)  # 3D conv encoder channels per stage

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (1, self.volume_size, self.volume_size, self.volume_size)


# --- Transform (paper Sec. 3, "3D Rotation prediction") -----------------------------------------


def rotate_3d(volume: torch.Tensor, label: int) -> torch.Tensor:
    """Apply rotation class ``label`` to a (..., D, H, W) volume."""
    (first, second), turns = ROTATIONS[label]
    offset = volume.dim() - 3
    return torch.rot90(volume, turns, dims=(offset + first, offset + second))


def unrotate_3d(volume: torch.Tensor, label: int) -> torch.Tensor:
    """The inverse of ``rotate_3d``: turn back the same number of quarter turns."""
    (first, second), turns = ROTATIONS[label]
    offset = volume.dim() - 3
    return torch.rot90(volume, -turns, dims=(offset + first, offset + second))


def make_batch(source: ImageSource, config: Rotation3DConfig, generator: torch.Generator) -> Batch:
    volumes = source.sample(config.batch_size, (config.volume_size,) * 3, generator)
    labels = torch.randint(len(ROTATIONS), (config.batch_size,), generator=generator)  # (B,)
    rotated = torch.stack([rotate_3d(v, int(k)) for v, k in zip(volumes, labels, strict=True)])
    return {"volumes": rotated, "labels": labels}  # (B, 1, D, H, W), (B,)


# --- Model and loss: 3D encoder + linear classifier over the 10 classes -------------------------


class Rotation3DTask(nn.Module):
    def __init__(self, config: Rotation3DConfig):
        super().__init__()
        self.encoder = ConvEncoder(3, 1, config.widths)
        self.classifier = nn.Linear(self.encoder.out_channels, len(ROTATIONS))

    def logits(self, volumes: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.encoder.features(volumes))  # (B, 10)

    def forward(self, volumes: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return deterministic_cross_entropy(self.logits(volumes), labels)


RECIPE = Recipe(
    name="rotation_3d",
    config=Rotation3DConfig(),
    smoke_config=Rotation3DConfig(steps=60, batch_size=8, volume_size=16, widths=(8, 16), learning_rate=3e-3),
    build_task=Rotation3DTask,
    make_batch=make_batch,
    data_dimension=3,
    probe_data="ct-cube",
)


def smoke_check(device: str = "cpu", data: str = "synthetic") -> SmokeResult:
    """Logits are (B, 10); held-out rotations are recognised well above chance (1/10)."""

    def check_outputs(task: nn.Module, batch: Batch) -> None:
        shape = (len(batch["labels"]), len(ROTATIONS))
        expect_shape(task.logits(batch["volumes"]), shape, "logits")

    def check_pretext(task: nn.Module, batches: list[Batch]) -> dict[str, float]:
        logits = torch.cat([task.logits(b["volumes"]) for b in batches])
        labels = torch.cat([b["labels"] for b in batches])
        return expect_above_chance("rotation accuracy", accuracy(logits, labels), 1 / len(ROTATIONS), 0.2)

    return run_smoke_check(RECIPE, check_outputs, device, data, check_pretext=check_pretext)


def main(argv: list[str] | None = None) -> int:
    return reference_main(RECIPE, argv)


if __name__ == "__main__":
    raise SystemExit(main())
