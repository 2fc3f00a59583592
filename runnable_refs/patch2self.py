"""Patch2Self: self-supervised denoising of diffusion MRI by predicting each volume from the rest.

Fadnavis, Batson, Garyfallidis. "Patch2Self: Denoising Diffusion MRI with Self-Supervised
Learning". NeurIPS 2020. https://arxiv.org/abs/2011.01355. Catalog id:
``fadnavis2020-patch2self``.

A diffusion MRI series holds many volumes of the same anatomy (one per gradient direction)
whose noise is independent. Patch2Self (paper, Sec. 3) holds one volume out, and regresses
each of its voxels on the 3D patches around that voxel in *all the other* volumes; then
repeats for every volume. Because the prediction of volume j never sees volume j, it cannot
copy j's noise ("J-invariance", after Batson and Royer's Noise2Self), so training it against
the noisy volume itself learns the signal. The paper fits ordinary least squares per volume;
here the same linear model is a masked 3D convolution fitted with AdamW.
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
    expect_shape,
    reference_main,
    run_smoke_check,
)


@dataclass
class Patch2SelfConfig(TrainingConfig):
    volumes: int = 6  # diffusion directions in the series (real acquisitions: 30-100+)
    volume_size: int = 24  # side of each random crop
    patch_radius: int = 1  # 3x3x3 patches, the paper's default (it also tries 0: single voxels)
    batch_size: int = 4  # crops per step
    learning_rate: float = 1e-2  # a linear model: large steps are safe and converge fast

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.volumes, self.volume_size, self.volume_size, self.volume_size)


def make_batch(source: ImageSource, config: Patch2SelfConfig, generator: torch.Generator) -> Batch:
    size = (config.volume_size,) * 3
    return {"series": source.sample_series(config.batch_size, config.volumes, size, generator)}


# --- Model: one linear regression per held-out volume, as a masked convolution (Sec. 3) ---------


class Patch2SelfTask(nn.Module):
    """Output channel j is a linear function of 3D patches of every input channel except j."""

    def __init__(self, config: Patch2SelfConfig):
        super().__init__()
        kernel = 2 * config.patch_radius + 1
        self.regression = nn.Conv3d(config.volumes, config.volumes, kernel, padding=config.patch_radius)
        holdout = 1.0 - torch.eye(config.volumes)  # zero where input volume == output volume
        self.register_buffer("holdout", holdout[:, :, None, None, None])

    def denoise(self, series: torch.Tensor) -> torch.Tensor:
        """(B, V, D, H, W) noisy series -> (B, V, D, H, W) predictions, J-invariant."""
        weight = self.regression.weight * self.holdout
        return F.conv3d(series, weight, self.regression.bias, padding=self.regression.padding)

    # --- Loss: squared error against the held-out noisy volume itself --------------------------

    def forward(self, series: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(self.denoise(series).float(), series.float())


RECIPE = Recipe(
    name="patch2self",
    config=Patch2SelfConfig(),
    smoke_config=Patch2SelfConfig(steps=40, batch_size=2, volumes=4, volume_size=12),
    build_task=Patch2SelfTask,
    make_batch=make_batch,
    data_dimension=3,
    probe_data=None,  # a denoiser: the smoke check scores it against the noise-free series
)


def smoke_check(device: str = "cpu", data: str = "synthetic") -> SmokeResult:
    """Output j ignores input j (J-invariance); the loss falls."""

    def check_outputs(task: nn.Module, batch: Batch) -> None:
        series = batch["series"]
        expect_shape(task.denoise(series), tuple(series.shape), "denoised series")
        with torch.enable_grad():
            probe = series.float().clone().requires_grad_(True)
            task.denoise(probe)[:, 0].sum().backward()
        assert float(probe.grad[:, 0].abs().max()) == 0.0, "volume 0's prediction sees volume 0"

    return run_smoke_check(RECIPE, check_outputs, device, data)


def main(argv: list[str] | None = None) -> int:
    return reference_main(RECIPE, argv)


if __name__ == "__main__":
    raise SystemExit(main())
