"""2D rotation prediction: classify which multiple of 90 degrees an image was rotated by.

Taleb, Loetzsch, Danz, Severin, Gaertner, Bergner, Lippert. "3D Self-Supervised Methods for
Medical Imaging". NeurIPS 2020. https://arxiv.org/abs/2006.03829. Catalog id:
``taleb2020-3d-self-supervised-methods``. The 2D task itself is Gidaris, Singh, Komodakis,
"Unsupervised Representation Learning by Predicting Image Rotations", ICLR 2018; Taleb et al.
extend it to 3D (see ``rotation_3d``).

Why it works on medical images: anatomy has a canonical orientation (heart on the patient's
left, diaphragm below the lungs), so telling the rotation apart requires recognising that
anatomy. Four classes: 0, 90, 180 and 270 degrees in the image plane.
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

ROTATIONS = 4  # 0, 90, 180, 270 degrees


@dataclass
class Rotation2DConfig(TrainingConfig):
    image_size: int = 64  # chest X-rays downsampled; the rotation is obvious well below 224 px
    widths: tuple[int, ...] = (16, 32, 64, 64)  # conv encoder channels per stage (3 downsamplings)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (1, self.image_size, self.image_size)


# --- Transform: rotate by k * 90 degrees; k is the label -----------------------------------------


def rotate_2d(images: torch.Tensor, quarter_turns: int) -> torch.Tensor:
    """Rotate (..., H, W) images counter-clockwise by ``quarter_turns`` * 90 degrees."""
    return torch.rot90(images, quarter_turns, dims=(-2, -1))


def make_batch(source: ImageSource, config: Rotation2DConfig, generator: torch.Generator) -> Batch:
    images = source.sample(config.batch_size, (config.image_size,) * 2, generator)  # (B, 1, H, W)
    labels = torch.randint(ROTATIONS, (config.batch_size,), generator=generator)  # (B,)
    rotated = torch.stack([rotate_2d(x, int(k)) for x, k in zip(images, labels, strict=True)])
    return {"images": rotated, "labels": labels}


# --- Model and loss: encoder + linear classifier, cross-entropy over the 4 rotations ------------


class Rotation2DTask(nn.Module):
    def __init__(self, config: Rotation2DConfig):
        super().__init__()
        self.encoder = ConvEncoder(2, 1, config.widths)
        self.classifier = nn.Linear(self.encoder.out_channels, ROTATIONS)

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.encoder.features(images))  # (B, 4)

    def forward(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return deterministic_cross_entropy(self.logits(images), labels)


RECIPE = Recipe(
    name="rotation_2d",
    config=Rotation2DConfig(),
    smoke_config=Rotation2DConfig(steps=30, batch_size=8, image_size=32, widths=(8, 16, 32)),
    build_task=Rotation2DTask,
    make_batch=make_batch,
    data_dimension=2,
    probe_data="chest-xray",
)


def smoke_check(device: str = "cpu", data: str = "synthetic") -> SmokeResult:
    """Logits are (B, 4); held-out rotations are recognised well above chance (1/4)."""

    def check_outputs(task: nn.Module, batch: Batch) -> None:
        expect_shape(task.logits(batch["images"]), (len(batch["labels"]), ROTATIONS), "logits")

    def check_pretext(task: nn.Module, batches: list[Batch]) -> dict[str, float]:
        logits = torch.cat([task.logits(b["images"]) for b in batches])
        labels = torch.cat([b["labels"] for b in batches])
        return expect_above_chance("rotation accuracy", accuracy(logits, labels), 1 / ROTATIONS, 0.3)

    return run_smoke_check(RECIPE, check_outputs, device, data, check_pretext=check_pretext)


def main(argv: list[str] | None = None) -> int:
    return reference_main(RECIPE, argv)


if __name__ == "__main__":
    raise SystemExit(main())
