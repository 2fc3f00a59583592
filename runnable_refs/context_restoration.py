"""Context restoration: swap pairs of small patches, then learn to put the image back.

Chen, Bentley, Mori, Misawa, Fujiwara, Rueckert. "Self-supervised learning for medical image
analysis using image context restoration". Medical Image Analysis 58, 2019.
https://doi.org/10.1016/j.media.2019.101539. Catalog id: ``chen2019-context-restoration``.

Paper, Sec. 3: repeatedly pick two small non-overlapping patches at random and swap them. The
corrupted image keeps its intensity distribution (pixels only move), so restoring it needs
knowledge of where structures belong, not of intensities. A CNN with an analysis (encoder) and
a reconstruction (decoder) part is trained with an L2 loss to restore the original; the
encoder is then reused for classification, detection or segmentation.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from runnable_refs.harness import (
    Batch,
    ImageSource,
    Recipe,
    SmokeResult,
    TrainingConfig,
    UNet,
    expect_restoration_beats_baselines,
    expect_shape,
    reference_main,
    run_smoke_check,
)


@dataclass
class ContextRestorationConfig(TrainingConfig):
    image_size: int = 64  # 2D images (the paper uses 2D ultrasound, CT and MR slices)
    patch_size: int = 6  # about 1/10 of the side: small enough to need context to restore
    swaps: int = 10  # swap iterations per image; more swaps, harder restoration
    widths: tuple[int, ...] = (16, 32, 64)  # encoder-decoder channels per level

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (1, self.image_size, self.image_size)


# --- Transform (paper Sec. 3, the context-disordering step) -------------------------------------


def _overlap(a: tuple[int, int], b: tuple[int, int], size: int) -> bool:
    return abs(a[0] - b[0]) < size and abs(a[1] - b[1]) < size


def swap_patches(image: torch.Tensor, patch_size: int, swaps: int, generator: torch.Generator) -> torch.Tensor:
    """Swap ``swaps`` pairs of non-overlapping ``patch_size`` squares of a (C, H, W) image."""
    image = image.clone()
    height, width = image.shape[-2:]
    for _ in range(swaps):
        while True:  # draw pairs until the two patches do not overlap
            corners = torch.stack(
                [
                    torch.randint(height - patch_size + 1, (2,), generator=generator),
                    torch.randint(width - patch_size + 1, (2,), generator=generator),
                ],
                dim=1,
            ).tolist()  # [[y1, x1], [y2, x2]]
            first, second = (tuple(corner) for corner in corners)
            if not _overlap(first, second, patch_size):
                break
        (y1, x1), (y2, x2) = first, second
        patch = image[:, y1 : y1 + patch_size, x1 : x1 + patch_size].clone()
        image[:, y1 : y1 + patch_size, x1 : x1 + patch_size] = image[:, y2 : y2 + patch_size, x2 : x2 + patch_size]
        image[:, y2 : y2 + patch_size, x2 : x2 + patch_size] = patch
    return image


def make_batch(source: ImageSource, config: ContextRestorationConfig, generator: torch.Generator) -> Batch:
    original = source.sample(config.batch_size, (config.image_size,) * 2, generator)
    disordered = torch.stack([swap_patches(image, config.patch_size, config.swaps, generator) for image in original])
    return {"disordered": disordered, "original": original}  # both (B, 1, H, W)


# --- Model and loss: encoder-decoder restoration, L2 (paper Sec. 3) -----------------------------


class ContextRestorationTask(nn.Module):
    """A small 2D U-Net stands in for the paper's analysis + reconstruction CNN."""

    def __init__(self, config: ContextRestorationConfig):
        super().__init__()
        self.unet = UNet(2, 1, 1, config.widths)

    @property
    def encoder(self) -> nn.Module:
        return self.unet.encoder

    def restore(self, disordered: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.unet(disordered))  # (B, 1, H, W)

    def forward(self, disordered: torch.Tensor, original: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(self.restore(disordered).float(), original)


RECIPE = Recipe(
    name="context_restoration",
    config=ContextRestorationConfig(),
    smoke_config=ContextRestorationConfig(
        steps=30,
        batch_size=8,
        image_size=32,
        patch_size=4,
        swaps=5,
        widths=(8, 16),
        learning_rate=3e-3,
    ),
    build_task=ContextRestorationTask,
    make_batch=make_batch,
    data_dimension=2,
    probe_data="chest-xray",
)


def smoke_check(device: str = "cpu", data: str = "synthetic") -> SmokeResult:
    """The restored image has the input's shape; on the swapped pixels of held-out images it
    is closer to the original than the disordered input (identity) and than the image mean."""

    def check_outputs(task: nn.Module, batch: Batch) -> None:
        restored = task.restore(batch["disordered"])
        expect_shape(restored, tuple(batch["original"].shape), "restored image (B, 1, H, W)")

    def check_pretext(task: nn.Module, batches: list[Batch]) -> dict[str, float]:
        disordered = torch.cat([b["disordered"] for b in batches])
        original = torch.cat([b["original"] for b in batches])
        swapped = disordered != original  # the pixels the transform moved
        return expect_restoration_beats_baselines(
            "swapped-pixel", task.restore(disordered), disordered, original, swapped
        )

    return run_smoke_check(RECIPE, check_outputs, device, data, check_pretext=check_pretext)


def main(argv: list[str] | None = None) -> int:
    return reference_main(RECIPE, argv)


if __name__ == "__main__":
    raise SystemExit(main())
