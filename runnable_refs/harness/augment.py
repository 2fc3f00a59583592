"""Generic image augmentations that methods compose into their paper's recipe.

They work on CPU batches (B, C, H, W) or (B, C, D, H, W) in [0, 1] and draw every random
number from the ``generator`` passed in, so views are reproducible and device-independent.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def _uniform(generator: torch.Generator, count: int, low: float, high: float) -> torch.Tensor:
    return low + (high - low) * torch.rand(count, generator=generator)


def random_resized_crop_2d(
    images: torch.Tensor,
    generator: torch.Generator,
    output_size: int,
    scale: tuple[float, float] = (0.5, 1.0),
    max_rotation_degrees: float = 0.0,
    horizontal_flip: bool = False,
) -> torch.Tensor:
    """Crop a random square covering ``scale`` of the area, maybe rotate and flip, then resize.

    One affine resampling per image: (B, C, H, W) -> (B, C, output_size, output_size).
    Pixels rotated in from outside the image are 0 (air).
    """
    count = images.shape[0]
    side = _uniform(generator, count, *scale).sqrt()  # crop side as a fraction of the image
    angle = _uniform(generator, count, -1.0, 1.0) * math.radians(max_rotation_degrees)
    shift_x = _uniform(generator, count, -1.0, 1.0) * (1 - side)
    shift_y = _uniform(generator, count, -1.0, 1.0) * (1 - side)
    flip = torch.ones(count)
    if horizontal_flip:
        flip = torch.where(torch.rand(count, generator=generator) < 0.5, -1.0, 1.0)
    cos, sin = torch.cos(angle) * side, torch.sin(angle) * side
    theta = torch.stack(
        [
            torch.stack([cos * flip, -sin, shift_x], dim=1),
            torch.stack([sin * flip, cos, shift_y], dim=1),
        ],
        dim=1,
    )  # (B, 2, 3): output coordinates -> input coordinates
    grid = F.affine_grid(theta, [count, images.shape[1], output_size, output_size], align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def intensity_jitter(
    images: torch.Tensor,
    generator: torch.Generator,
    brightness: float = 0.1,
    contrast: float = 0.2,
    gamma: tuple[float, float] = (0.8, 1.25),
    noise: float = 0.02,
) -> torch.Tensor:
    """Per-image brightness shift, contrast scale, gamma and Gaussian noise; keeps geometry."""
    count = images.shape[0]
    extra = (1,) * (images.dim() - 1)
    mean = images.flatten(1).mean(dim=1).view(count, *extra)
    scale = _uniform(generator, count, 1 - contrast, 1 + contrast).view(count, *extra)
    shift = _uniform(generator, count, -brightness, brightness).view(count, *extra)
    images = ((images - mean) * scale + mean + shift).clamp(0.0, 1.0)
    images = images ** _uniform(generator, count, *gamma).view(count, *extra)
    images = images + noise * torch.randn(images.shape, generator=generator)
    return images.clamp(0.0, 1.0)
