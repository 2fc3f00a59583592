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
here the same linear model is a masked 3D convolution fitted with AdamW. ``denoise_file``
(``medssl refs denoise patch2self --input dwi.nii.gz -o denoised.nii.gz``) fits it to one
series, as the paper does, and writes the denoised series with the input's header.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from runnable_refs.harness import (
    Batch,
    DataUnavailableError,
    ImageSource,
    Recipe,
    SmokeResult,
    TrainingConfig,
    choose_device,
    data_generator,
    expect_beats_baselines,
    expect_shape,
    load_checkpoint,
    mean_baseline,
    random_crop,
    reference_main,
    run_smoke_check,
    seed_everything,
    train,
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

    def check_pretext(task: nn.Module, batches: list[Batch]) -> dict[str, float]:
        """Held-out series: the J-invariant prediction beats each volume's own mean."""
        series = torch.cat([b["series"] for b in batches]).float()
        model = float(((task.denoise(series) - series) ** 2).mean())
        mean = float(((mean_baseline(series, torch.ones_like(series, dtype=torch.bool)) - series) ** 2).mean())
        return expect_beats_baselines("self-supervised", model, {"mean": mean})

    return run_smoke_check(RECIPE, check_outputs, device, data, check_pretext=check_pretext)


# --- Denoise a user's series and write it back (the paper's use: fit per series, then apply) ----


def denoise_file(
    input_path: Path, output_path: Path, checkpoint: Path | None, device: str = "auto", steps: int = 200
) -> Path:
    """Denoise a 4D (x, y, z, volume) NIfTI series; write it with the input's affine and header.

    Without ``checkpoint`` the model is fitted to this series for ``steps`` steps of random
    crops (self-supervised, no clean data needed). Intensities are scaled by the series' 99.5th
    percentile for fitting and scaled back, so the output is in the input's units.
    """
    import nibabel

    if not Path(input_path).exists():
        raise DataUnavailableError(f"--input {input_path}: no such file")
    image = nibabel.load(str(input_path))
    data = np.asarray(image.get_fdata(dtype=np.float32))
    if data.ndim != 4 or data.shape[3] < 3:
        raise DataUnavailableError(f"--input {input_path}: needs a 4D series of at least 3 volumes, got {data.shape}")
    scale = float(np.percentile(data, 99.5)) or 1.0
    series = torch.from_numpy(np.ascontiguousarray(data.transpose(3, 0, 1, 2)) / scale)[None]  # (1, V, X, Y, Z)
    torch_device = choose_device(device)
    config = dataclasses.replace(RECIPE.config, volumes=series.shape[1], steps=steps)
    config = dataclasses.replace(config, volume_size=min(config.volume_size, *series.shape[2:]))
    seed_everything(config.seed, strict=False)
    task = Patch2SelfTask(config).to(torch_device)
    if checkpoint is not None:
        saved = load_checkpoint(Path(checkpoint))
        if saved["config"]["volumes"] != config.volumes:
            raise DataUnavailableError(
                f"{checkpoint} was fitted to {saved['config']['volumes']} volumes, not {config.volumes}"
            )
        task.load_state_dict(saved["state_dict"])
    else:
        generator = data_generator(config.seed)
        shape = (config.volume_size,) * 3

        def next_batch() -> Batch:
            return {"series": torch.cat([random_crop(series, shape, generator) for _ in range(config.batch_size)])}

        train(task, next_batch, config, torch_device, progress=False, description="patch2self")
    task.eval()
    with torch.no_grad():
        denoised = task.denoise(series.to(torch_device)).float().cpu()[0] * scale  # (V, X, Y, Z)
    output = nibabel.Nifti1Image(denoised.permute(1, 2, 3, 0).numpy(), image.affine, image.header)
    Path(output_path).parent.mkdir(parents=True, exist_ok=True)
    nibabel.save(output, str(output_path))
    return Path(output_path)


def main(argv: list[str] | None = None) -> int:
    return reference_main(RECIPE, argv)


if __name__ == "__main__":
    raise SystemExit(main())
