"""Models Genesis: learn 3D features by restoring sub-volumes from four kinds of damage.

Zhou, Sodha, Rahman Siddiquee, Feng, Tajbakhsh, Gotway, Liang. "Models Genesis: Generic
Autodidactic Models for 3D Medical Image Analysis". MICCAI 2019.
https://arxiv.org/abs/1908.06912. Catalog id: ``zhou2019-models-genesis``.

The idea (paper, Sec. 2 and Fig. 1): crop a sub-volume from an unlabelled CT, damage it with
a random mix of *non-linear intensity transformation*, *local pixel shuffling* and
*out-painting or in-painting*, and train an encoder-decoder (a 3D U-Net) to restore the
original. Each damage teaches something different: appearance (intensity), texture and
boundaries (shuffling), and spatial context (painting). The encoder is then fine-tuned on
target tasks.
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
    expect_shape,
    reference_main,
    run_smoke_check,
)


@dataclass
class ModelsGenesisConfig(TrainingConfig):
    volume_size: int = 32  # the paper crops 64x64x32; 32^3 keeps a CPU demo around a minute
    widths: tuple[int, ...] = (16, 32, 64)  # U-Net channels per level; tiny but still 3 scales
    nonlinear_rate: float = 0.9  # the authors' released code: intensity curve on 90% of volumes
    local_shuffle_rate: float = 0.5  # ... local pixel shuffling on half of them
    paint_rate: float = 0.9  # ... in- or out-painting on 90%
    outpaint_fraction: float = 0.8  # ... and of those, out-painting 80% of the time
    shuffle_windows: int = 200  # small windows per volume; scaled down with the volume size
    learning_rate: float = 2e-3  # restoration losses are smooth; a higher lr converges faster

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (1, self.volume_size, self.volume_size, self.volume_size)


# --- Transform (paper Sec. 2, "Image transformations") -----------------------------------------


def bezier_intensity_curve(values: torch.Tensor, generator: torch.Generator, steps: int = 1000) -> torch.Tensor:
    """The "non-linear transformation": intensities through a random monotonic Bezier curve.

    End points (0, 0) and (1, 1), two random control points in the unit square. The curve is
    monotonic, so every intensity keeps a unique value and the damage stays reversible; with
    probability 1/2 it is mirrored into a decreasing curve (an intensity inversion).
    """
    control = torch.rand((2, 2), generator=generator)  # P1, P2 as (x, y)
    t = torch.linspace(0.0, 1.0, steps)[:, None]  # (T, 1)
    points = 3 * (1 - t) ** 2 * t * control[0] + 3 * (1 - t) * t**2 * control[1] + t**3  # (T, 2)
    xs, ys = points[:, 0].contiguous(), points[:, 1].contiguous()
    if torch.rand(1, generator=generator) < 0.5:
        ys = 1.0 - ys  # decreasing variant
    # Piecewise-linear interpolation of y(x) at every voxel value.
    index = torch.searchsorted(xs, values.contiguous().clamp(0, 1)).clamp(1, steps - 1)
    x0, x1, y0, y1 = xs[index - 1], xs[index], ys[index - 1], ys[index]
    weight = ((values - x0) / (x1 - x0).clamp_min(1e-8)).clamp(0, 1)
    return y0 + weight * (y1 - y0)


def local_pixel_shuffle(volume: torch.Tensor, generator: torch.Generator, windows: int) -> torch.Tensor:
    """The "local pixel shuffling": permute the voxels inside many small random windows.

    ``volume`` is (D, H, W). The global shape survives while local texture is destroyed, and
    since voxels only move, the intensity histogram is exactly the same.
    """
    shuffled = volume.clone()
    sizes = volume.shape
    for _ in range(windows):
        box = [
            int(torch.randint(1, max(2, side // 8) + 1, (1,), generator=generator)) for side in sizes
        ]  # up to 1/8 of each side
        start = [
            int(torch.randint(0, side - b + 1, (1,), generator=generator)) for side, b in zip(sizes, box, strict=True)
        ]
        region = tuple(slice(s, s + b) for s, b in zip(start, box, strict=True))
        block = shuffled[region]
        order = torch.randperm(block.numel(), generator=generator)
        shuffled[region] = block.reshape(-1)[order].reshape(block.shape)
    return shuffled


def random_boxes(
    shape: tuple[int, ...], generator: torch.Generator, count: int, fraction: tuple[float, float]
) -> torch.Tensor:
    """A (D, H, W) bool mask: the union of ``count`` boxes, sides a ``fraction`` of the volume's."""
    mask = torch.zeros(shape, dtype=torch.bool)
    low, high = fraction
    for _ in range(count):
        scale = low + (high - low) * torch.rand(len(shape), generator=generator)
        box = [max(1, int(side * s)) for side, s in zip(shape, scale.tolist(), strict=True)]
        start = [
            int(torch.randint(0, side - b + 1, (1,), generator=generator)) for side, b in zip(shape, box, strict=True)
        ]
        mask[tuple(slice(s, s + b) for s, b in zip(start, box, strict=True))] = True
    return mask


def paint(volume: torch.Tensor, generator: torch.Generator, outpaint: bool) -> torch.Tensor:
    """The "out-painting" keeps a few large boxes and fills the rest with noise; the
    "in-painting" fills a few small boxes with noise and keeps the rest."""
    noise = torch.rand(volume.shape, generator=generator)
    if outpaint:
        keep = random_boxes(volume.shape, generator, count=3, fraction=(0.4, 0.7))
        return torch.where(keep, volume, noise)
    hole = random_boxes(volume.shape, generator, count=3, fraction=(0.15, 0.3))
    return torch.where(hole, noise, volume)


def models_genesis_transform(
    volume: torch.Tensor, config: ModelsGenesisConfig, generator: torch.Generator
) -> torch.Tensor:
    """Apply the paper's random composition of transformations to one (D, H, W) volume."""

    def happens(rate: float) -> bool:
        return bool(torch.rand(1, generator=generator) < rate)

    windows = max(1, config.shuffle_windows * config.volume_size**3 // 32**3)
    if happens(config.local_shuffle_rate):
        volume = local_pixel_shuffle(volume, generator, windows)
    if happens(config.nonlinear_rate):
        volume = bezier_intensity_curve(volume, generator)
    if happens(config.paint_rate):
        volume = paint(volume, generator, outpaint=happens(config.outpaint_fraction))
    return volume


def make_batch(source: ImageSource, config: ModelsGenesisConfig, generator: torch.Generator) -> Batch:
    size = (config.volume_size,) * 3
    original = source.sample(config.batch_size, size, generator)  # (B, 1, D, H, W)
    damaged = torch.stack(
        [models_genesis_transform(v[0], config, generator)[None] for v in original]
    )  # (B, 1, D, H, W)
    return {"damaged": damaged, "original": original}


# --- Model and loss (paper Sec. 2: a 3D U-Net restores the original; MSE loss) ----------------


class ModelsGenesisTask(nn.Module):
    """3D U-Net restoration with a sigmoid output (intensities live in [0, 1])."""

    def __init__(self, config: ModelsGenesisConfig):
        super().__init__()
        self.unet = UNet(3, in_channels=1, out_channels=1, widths=config.widths)

    @property
    def encoder(self) -> nn.Module:
        """The part that is transferred to target tasks."""
        return self.unet.encoder

    def restore(self, damaged: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.unet(damaged))  # (B, 1, D, H, W)

    def forward(self, damaged: torch.Tensor, original: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(self.restore(damaged).float(), original)


RECIPE = Recipe(
    name="models_genesis",
    config=ModelsGenesisConfig(),
    smoke_config=ModelsGenesisConfig(steps=30, batch_size=4, volume_size=16, widths=(8, 16), learning_rate=3e-3),
    build_task=ModelsGenesisTask,
    make_batch=make_batch,
    data_dimension=3,
    probe_data="ct-cube",
)


def smoke_check(device: str = "cpu", data: str = "synthetic") -> SmokeResult:
    """The restoration has the input's shape and lies in [0, 1]; the loss falls."""

    def check_outputs(task: nn.Module, batch: Batch) -> None:
        restored = task.restore(batch["damaged"])
        expect_shape(restored, tuple(batch["original"].shape), "restored volume (B, 1, D, H, W)")
        assert float(restored.min()) >= 0.0 and float(restored.max()) <= 1.0

    return run_smoke_check(RECIPE, check_outputs, device, data)


def main(argv: list[str] | None = None) -> int:
    return reference_main(RECIPE, argv)


if __name__ == "__main__":
    raise SystemExit(main())
