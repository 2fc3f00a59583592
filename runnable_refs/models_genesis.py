"""Models Genesis: learn 3D features by restoring sub-volumes from four kinds of damage.

Zhou, Sodha, Rahman Siddiquee, Feng, Tajbakhsh, Gotway, Liang. "Models Genesis: Generic
Autodidactic Models for 3D Medical Image Analysis". MICCAI 2019.
https://arxiv.org/abs/1908.06912. Catalog id: ``zhou2019-models-genesis``.

The idea (paper, Sec. 2 and Fig. 1): crop a sub-volume from an unlabelled CT, damage it with
a random mix of *non-linear intensity transformation*, *local pixel shuffling* and
*out-painting or in-painting*, and train an encoder-decoder (a 3D U-Net) to restore the
original. Rates, densities and the random flips (applied to input and target alike) follow
the authors' ``generate_pair`` in their released code. Each damage teaches something
different: appearance (intensity), texture and boundaries (shuffling), and spatial context
(painting). The encoder is then fine-tuned on target tasks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
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
class ModelsGenesisConfig(TrainingConfig):
    volume_size: int = 32  # the paper crops 64x64x32; 32^3 keeps a CPU demo around a minute
    widths: tuple[int, ...] = (16, 32, 64)  # U-Net channels per level; tiny but still 3 scales
    flip_rate: float = 0.4  # the code: flip input and target together, up to 3 times at 40%
    nonlinear_rate: float = 0.9  # the authors' released code: intensity curve on 90% of volumes
    local_shuffle_rate: float = 0.5  # ... local pixel shuffling on half of them
    paint_rate: float = 0.9  # ... in- or out-painting on 90%
    outpaint_fraction: float = 0.8  # ... and of those, out-painting 80% of the time
    shuffle_coverage: float = 10_000 * 3.5 * 3.5 * 2 / (64 * 64 * 32)  # window voxels per voxel:
    # the code's 10,000 windows of mean 3.5x3.5x2 in a 64x64x32 crop, so ~85% of voxels shuffled
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

    ``volume`` is (D, H, W); windows have sides from 1 to 1/10 of the volume's (at least 2).
    The global shape survives while local texture is destroyed. The code shuffles windows of
    the original into a copy, so overlaps lose some values; here each window permutes the
    current volume, so the intensity histogram stays exactly the same. NumPy, not torch, for
    the loop: thousands of tiny windows are cheaper there.
    """
    rng = np.random.default_rng(int(torch.randint(2**62, (1,), generator=generator)))
    shuffled = volume.numpy().copy()
    sizes = np.array(shuffled.shape)
    boxes = rng.integers(1, np.maximum(2, sizes // 10) + 1, size=(windows, 3))  # all windows at once
    starts = (rng.random((windows, 3)) * (sizes - boxes + 1)).astype(int)
    for (d, h, w), (bd, bh, bw) in zip(starts.tolist(), boxes.tolist(), strict=True):
        block = shuffled[d : d + bd, h : h + bh, w : w + bw]
        shuffled[d : d + bd, h : h + bh, w : w + bw] = rng.permutation(block.reshape(-1)).reshape(block.shape)
    return torch.from_numpy(shuffled)


def shuffle_window_count(shape: tuple[int, ...], coverage: float) -> int:
    """Windows that cover the volume ``coverage`` times over on average, with the window sizes
    ``local_pixel_shuffle`` draws (1 to max(2, side // 10) per axis, uniformly)."""
    mean_window = 1.0
    for side in shape:
        mean_window *= (1 + max(2, side // 10)) / 2
    voxels = 1
    for side in shape:
        voxels *= side
    return max(1, round(coverage * voxels / mean_window))


def random_flips(volume: torch.Tensor, generator: torch.Generator, rate: float) -> torch.Tensor:
    """The code's ``data_augmentation``: while a coin of ``rate`` comes up (at most 3 times),
    flip a random axis. Applied to the input and the target together: augmentation, not damage."""
    for _ in range(3):
        if not bool(torch.rand(1, generator=generator) < rate):
            break
        volume = volume.flip(int(torch.randint(volume.dim() - 3, volume.dim(), (1,), generator=generator)))
    return volume


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
    # The code draws 1 to 5 boxes (each further one with probability 0.95); 5 is its likely count.
    if outpaint:
        keep = random_boxes(volume.shape, generator, count=5, fraction=(3 / 7, 4 / 7))  # the code's sizes
        return torch.where(keep, volume, noise)
    hole = random_boxes(volume.shape, generator, count=5, fraction=(1 / 6, 1 / 3))  # the code's sizes
    return torch.where(hole, noise, volume)


def models_genesis_transform(
    volume: torch.Tensor, config: ModelsGenesisConfig, generator: torch.Generator
) -> torch.Tensor:
    """Apply the paper's random composition of transformations to one (D, H, W) volume."""

    def happens(rate: float) -> bool:
        return bool(torch.rand(1, generator=generator) < rate)

    windows = shuffle_window_count(volume.shape, config.shuffle_coverage)
    if happens(config.local_shuffle_rate):
        volume = local_pixel_shuffle(volume, generator, windows)
    if happens(config.nonlinear_rate):
        volume = bezier_intensity_curve(volume, generator)
    if happens(config.paint_rate):
        volume = paint(volume, generator, outpaint=happens(config.outpaint_fraction))
    return volume


def make_batch(source: ImageSource, config: ModelsGenesisConfig, generator: torch.Generator) -> Batch:
    size = (config.volume_size,) * 3
    sampled = source.sample(config.batch_size, size, generator)  # (B, 1, D, H, W)
    original = torch.stack([random_flips(v, generator, config.flip_rate) for v in sampled])
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
    """The restoration has the input's shape and lies in [0, 1]; on the damaged voxels of
    held-out volumes it beats the damaged input (identity) and the volume mean."""

    def check_outputs(task: nn.Module, batch: Batch) -> None:
        restored = task.restore(batch["damaged"])
        expect_shape(restored, tuple(batch["original"].shape), "restored volume (B, 1, D, H, W)")
        assert float(restored.min()) >= 0.0 and float(restored.max()) <= 1.0

    def check_pretext(task: nn.Module, batches: list[Batch]) -> dict[str, float]:
        damaged = torch.cat([b["damaged"] for b in batches])
        original = torch.cat([b["original"] for b in batches])
        changed = (damaged - original).abs() > 1e-3  # the voxels some transformation altered
        return expect_restoration_beats_baselines("damaged-voxel", task.restore(damaged), damaged, original, changed)

    return run_smoke_check(RECIPE, check_outputs, device, data, check_pretext=check_pretext)


def main(argv: list[str] | None = None) -> int:
    return reference_main(RECIPE, argv)


if __name__ == "__main__":
    raise SystemExit(main())
