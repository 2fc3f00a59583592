"""Swin UNETR pretraining: masked-volume inpainting, rotation prediction and contrastive coding.

Tang, Yang, Landman, Xu, Li, Myronenko, Nath, Hatamizadeh, Xu, Roth. "Self-Supervised
Pre-Training of Swin Transformers for 3D Medical Image Analysis". CVPR 2022.
https://arxiv.org/abs/2111.14791. Catalog id: ``tang2022-swin-unetr-pretraining``.

Paper, Sec. 3: one encoder, three proxy tasks on two augmented sub-volumes of each scan.
*Masked volume inpainting*: random sub-volumes are hidden and a decoder reconstructs them (L1).
*Image rotation*: each view is rotated by 0, 90, 180 or 270 degrees about the z axis and a head
classifies the angle. *Contrastive coding*: the two views of one scan are a positive pair,
views of other scans negatives (InfoNCE on projected, pooled features). The total loss is a
weighted sum of the three. The paper's encoder is a Swin transformer; this tiny reference
uses the harness's 3D conv U-Net so it runs on a CPU; the three tasks and heads are the point.
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
    deterministic_cross_entropy,
    expect_shape,
    reference_main,
    run_smoke_check,
)

ROTATIONS = 4  # 0, 90, 180, 270 degrees about z (the D axis): turns in the H-W plane


@dataclass
class SwinUnetrPretextConfig(TrainingConfig):
    volume_size: int = 32  # cubic sub-volumes (the paper: 96^3)
    mask_fraction: float = 0.3  # at least this share of voxels is hidden by random cubes
    mask_cube: int = 8  # side of each hidden cube
    temperature: float = 0.5  # contrastive temperature
    projection_dim: int = 64  # contrastive head output
    widths: tuple[int, ...] = (16, 32, 64)  # U-Net channels (stands in for Swin UNETR)
    inpainting_weight: float = 1.0  # lambda_1; the three losses weigh equally here
    contrastive_weight: float = 1.0  # lambda_2
    rotation_weight: float = 1.0  # lambda_3
    batch_size: int = 4  # volumes; each gives two views, so the network sees 8 per step

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (1, self.volume_size, self.volume_size, self.volume_size)


# --- Transform: rotate, then hide random cubes; two views per volume (paper Sec. 3) -------------


def hide_cubes(volume: torch.Tensor, config: SwinUnetrPretextConfig, generator: torch.Generator):
    """Zero random ``mask_cube``^3 cubes of a (C, D, H, W) volume until ``mask_fraction`` of it
    is hidden. Returns the masked volume and the (1, D, H, W) bool mask."""
    mask = torch.zeros((1, *volume.shape[1:]), dtype=torch.bool)
    side = config.volume_size - config.mask_cube + 1
    while mask.float().mean() < config.mask_fraction:
        d, h, w = torch.randint(side, (3,), generator=generator).tolist()
        cube = config.mask_cube
        mask[:, d : d + cube, h : h + cube, w : w + cube] = True
    return volume.masked_fill(mask, 0.0), mask


def make_batch(source: ImageSource, config: SwinUnetrPretextConfig, generator: torch.Generator) -> Batch:
    volumes = source.sample(config.batch_size, (config.volume_size,) * 3, generator)
    views, targets, rotations = [], [], []
    for _ in range(2):  # two views of every volume; view 2 of volume i sits at index B + i
        for volume in volumes:
            turns = int(torch.randint(ROTATIONS, (1,), generator=generator))
            rotated = torch.rot90(volume, turns, dims=(2, 3))  # (C, D, H, W): about z
            masked, _ = hide_cubes(rotated, config, generator)
            views.append(masked)
            targets.append(rotated)
            rotations.append(turns)
    return {
        "views": torch.stack(views),
        "targets": torch.stack(targets),
        "rotations": torch.tensor(rotations),
    }


# --- Model: shared encoder, decoder for inpainting, rotation head, contrastive head -------------


class SwinUnetrPretextTask(nn.Module):
    def __init__(self, config: SwinUnetrPretextConfig):
        super().__init__()
        self.config = config
        self.unet = UNet(3, 1, 1, config.widths)
        width = self.unet.encoder.out_channels
        self.rotation_head = nn.Linear(width, ROTATIONS)
        # Batch-statistics BatchNorm in the projection (as in SimCLR's head): pooled features
        # of these similar volumes start almost identical, and without centring them the
        # contrastive term sits at chance. No running statistics: no buffers for DDP.
        self.contrastive_head = nn.Sequential(
            nn.Linear(width, width),
            nn.BatchNorm1d(width, track_running_stats=False),
            nn.GELU(),
            nn.Linear(width, config.projection_dim),
        )

    @property
    def encoder(self) -> nn.Module:
        return self.unet.encoder

    def heads(self, views: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Reconstruction (N, 1, D, H, W), rotation logits (N, 4), embeddings (N, E)."""
        maps = self.unet.encoder.pyramid(views)
        pooled = maps[-1].flatten(2).mean(dim=2)
        reconstruction = self.unet.head(self.unet.decoder_features(maps))
        embedding = F.normalize(self.contrastive_head(pooled).float(), dim=1)
        return reconstruction, self.rotation_head(pooled), embedding

    # --- Loss: lambda_1 L_inpaint + lambda_2 L_contrast + lambda_3 L_rot (paper Sec. 3) --------

    def forward(self, views: torch.Tensor, targets: torch.Tensor, rotations: torch.Tensor):
        reconstruction, rotation_logits, embedding = self.heads(views)
        inpainting = F.l1_loss(reconstruction.float(), targets)
        rotation = deterministic_cross_entropy(rotation_logits, rotations)
        count = len(views) // 2
        similarity = embedding @ embedding.T / self.config.temperature  # (2B, 2B)
        # A view is not its own negative. (A large finite value, not -inf: the one-hot
        # cross-entropy multiplies these logits' log-probabilities by 0, and 0 * -inf is NaN.)
        itself = torch.eye(len(views), dtype=torch.bool, device=views.device)
        similarity = similarity.masked_fill(itself, -1e9)
        partner = (torch.arange(len(views), device=views.device) + count) % len(views)
        contrastive = deterministic_cross_entropy(similarity, partner)
        c = self.config
        return c.inpainting_weight * inpainting + c.contrastive_weight * contrastive + c.rotation_weight * rotation


RECIPE = Recipe(
    name="swin_unetr_pretext",
    config=SwinUnetrPretextConfig(),
    smoke_config=SwinUnetrPretextConfig(
        steps=40,
        batch_size=8,
        volume_size=16,
        mask_cube=4,
        widths=(8, 16),
        projection_dim=32,
        learning_rate=3e-3,
    ),
    build_task=SwinUnetrPretextTask,
    make_batch=make_batch,
    data_dimension=3,
    probe_data="ct-cube",
)


def smoke_check(device: str = "cpu", data: str = "synthetic") -> SmokeResult:
    """The three heads have their shapes; the summed loss falls."""

    def check_outputs(task: nn.Module, batch: Batch) -> None:
        reconstruction, rotation_logits, embedding = task.heads(batch["views"])
        count = len(batch["views"])
        expect_shape(reconstruction, tuple(batch["targets"].shape), "reconstruction")
        expect_shape(rotation_logits, (count, ROTATIONS), "rotation logits")
        expect_shape(embedding, (count, RECIPE.smoke_config.projection_dim), "embeddings")

    return run_smoke_check(RECIPE, check_outputs, device, data)


def main(argv: list[str] | None = None) -> int:
    return reference_main(RECIPE, argv)


if __name__ == "__main__":
    raise SystemExit(main())
