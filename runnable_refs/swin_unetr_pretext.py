"""Swin UNETR pretraining: masked-volume inpainting, rotation prediction and contrastive coding.

Tang, Yang, Landman, Xu, Li, Myronenko, Nath, Hatamizadeh, Xu, Roth. "Self-Supervised
Pre-Training of Swin Transformers for 3D Medical Image Analysis". CVPR 2022.
https://arxiv.org/abs/2111.14791. Catalog id: ``tang2022-swin-unetr-pretraining``.

Paper, Sec. 3, and the authors' ``SSLHead``: one Swin transformer encoder (here MONAI's
``SwinTransformer``, the ``swinViT`` of ``monai.networks.nets.SwinUNETR``, so the weights
load straight into a SwinUNETR for fine-tuning) and three light heads on its *bottleneck*:
* *Masked volume inpainting*: random blocks of each view are replaced by noise or by the same
  blocks of another volume (the code's ``patch_rand_drop``), and a decoder that sees only the
  bottleneck (no skip connections) reconstructs the whole volume (L1).
* *Image rotation*: each view is rotated by 0, 90, 180 or 270 degrees; the first bottleneck
  token feeds a linear head that classifies the angle.
* *Contrastive coding*: the second bottleneck token, projected, makes the two views of one
  volume a positive pair against all other views (NT-Xent, temperature 0.5).
The total loss is the sum of the three (all weights 1, as in the code).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from monai.networks.nets.swin_unetr import SwinTransformer
from torch import nn

from runnable_refs.harness import (
    Batch,
    ImageSource,
    Recipe,
    SmokeResult,
    TrainingConfig,
    deterministic_cross_entropy,
    expect_restoration_beats_baselines,
    expect_shape,
    nt_xent,
    reference_main,
    run_smoke_check,
)

ROTATIONS = 4  # 0, 90, 180, 270 degrees about z (the D axis): turns in the H-W plane


@dataclass
class SwinUnetrPretextConfig(TrainingConfig):
    volume_size: int = 96  # cubic sub-volumes, the paper's 96^3 (MONAI's Swin needs >= 64)
    feature_size: int = 48  # Swin embedding width, the paper's (bottleneck: 16 x 48 = 768)
    depths: tuple[int, ...] = (2, 2, 2, 2)  # Swin blocks per stage, the paper's
    num_heads: tuple[int, ...] = (3, 6, 12, 24)  # attention heads per stage, the paper's
    window_size: int = 7  # attention window, the paper's
    upsample_mode: str = "trilinear"  # the decoder's upsampling, as in the code's "vae" head
    max_drop: float = 0.3  # patch_rand_drop: drop up to this share of the voxels
    max_block: float = 0.25  # ... in blocks of at most this share of each side
    block_tolerance: float = 0.05  # ... and at least this share
    temperature: float = 0.5  # contrastive temperature, the code's
    contrastive_dim: int = 512  # contrastive head output, the code's
    inpainting_weight: float = 1.0  # the code's alpha weights: all 1
    contrastive_weight: float = 1.0  # ...
    rotation_weight: float = 1.0  # ...
    batch_size: int = 2  # volumes; each gives two views, so the network sees 4 per step
    learning_rate: float = 4e-4  # the code's lr for AdamW

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (1, self.volume_size, self.volume_size, self.volume_size)


# --- Transform: rotate, then drop random blocks (the code's rot_rand, aug_rand) ---------------


def patch_rand_drop(
    volume: torch.Tensor,
    config: SwinUnetrPretextConfig,
    generator: torch.Generator,
    replacement: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Replace random blocks of a (C, D, H, W) volume until a random share (up to
    ``max_drop``) of its voxels is covered: by noise scaled to [0, 1], or by the same blocks of
    ``replacement``. Returns the new volume and the (1, D, H, W) bool mask of replaced voxels."""
    volume, mask = volume.clone(), torch.zeros((1, *volume.shape[1:]), dtype=torch.bool)
    sides = volume.shape[1:]
    target = float(torch.rand(1, generator=generator)) * config.max_drop * mask.numel()
    low = [max(1, int(config.block_tolerance * side)) for side in sides]
    high = [max(lo + 1, int(config.max_block * side)) for lo, side in zip(low, sides, strict=True)]
    covered = 0
    while covered < target:
        region = [slice(None)]
        for side, lo, hi in zip(sides, low, high, strict=True):
            start = int(torch.randint(side - lo, (1,), generator=generator))
            length = int(torch.randint(lo, hi, (1,), generator=generator))
            region.append(slice(start, min(start + length, side)))
        block = volume[tuple(region)]
        if replacement is None:
            noise = torch.randn(block.shape, generator=generator)
            volume[tuple(region)] = (noise - noise.min()) / (noise.max() - noise.min()).clamp_min(1e-8)
        else:
            volume[tuple(region)] = replacement[tuple(region)]
        mask[(slice(None), *region[1:])] = True
        covered += block[0].numel()  # the code counts overlaps again; so does this
    return volume, mask


def drop_blocks(views: torch.Tensor, config: SwinUnetrPretextConfig, generator: torch.Generator):
    """The code's ``aug_rand``: noise blocks in every view, then blocks of another random view."""
    damaged, masks = views.clone(), []
    for index in range(len(views)):
        damaged[index], mask = patch_rand_drop(damaged[index], config, generator)
        other = int(torch.randint(len(views), (1,), generator=generator))
        if other != index:
            damaged[index], more = patch_rand_drop(damaged[index], config, generator, damaged[other])
            mask = mask | more
        masks.append(mask)
    return damaged, torch.stack(masks)


def make_batch(source: ImageSource, config: SwinUnetrPretextConfig, generator: torch.Generator) -> Batch:
    volumes = source.sample(config.batch_size, (config.volume_size,) * 3, generator)  # (B, 1, D, H, W)
    views, rotations = [], []
    for _ in range(2):  # two views of every volume; view 2 of volume i sits at index B + i
        for volume in volumes:
            turns = int(torch.randint(ROTATIONS, (1,), generator=generator))
            views.append(torch.rot90(volume, turns, dims=(2, 3)))  # (C, D, H, W): about z
            rotations.append(turns)
    targets = torch.stack(views)
    damaged, masks = drop_blocks(targets, config, generator)
    return {"views": damaged, "targets": targets, "rotations": torch.tensor(rotations), "dropped": masks}


# --- Model: MONAI's Swin encoder + the SSLHead's three heads on the bottleneck ----------------


class SwinEncoder(nn.Module):
    """MONAI's ``SwinTransformer`` under the name ``swinViT``, as in SwinUNETR and the code."""

    def __init__(self, config: SwinUnetrPretextConfig):
        super().__init__()
        self.swinViT = SwinTransformer(
            in_chans=1,
            embed_dim=config.feature_size,
            window_size=(config.window_size,) * 3,
            patch_size=(2, 2, 2),
            depths=config.depths,
            num_heads=config.num_heads,
            spatial_dims=3,
        )
        self.out_channels = 16 * config.feature_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The bottleneck (B, 16 * feature_size, S / 32, S / 32, S / 32)."""
        return self.swinViT(x.contiguous())[4]

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward(x).flatten(2).mean(dim=2)  # (B, 16 * feature_size)


def bottleneck_decoder(dim: int, mode: str) -> nn.Sequential:
    """The code's "vae" reconstruction head: five (conv, norm, LeakyReLU, x2 upsample) stages
    from the bottleneck to full size, then a 1x1 convolution to one channel. No skips."""
    widths = [dim, dim // 2, dim // 4, dim // 8, dim // 16, dim // 16]
    layers: list[nn.Module] = []
    for wide, narrow in itertools.pairwise(widths):
        layers += [nn.Conv3d(wide, narrow, 3, padding=1), nn.InstanceNorm3d(narrow), nn.LeakyReLU()]
        layers.append(nn.Upsample(scale_factor=2, mode=mode, **({} if mode == "nearest" else {"align_corners": False})))
    layers.append(nn.Conv3d(widths[-1], 1, kernel_size=1))
    return nn.Sequential(*layers)


class SwinUnetrPretextTask(nn.Module):
    """Attribute names follow the code's SSLHead, so its state-dict keys load here."""

    def __init__(self, config: SwinUnetrPretextConfig):
        super().__init__()
        self.config = config
        self.encoder = SwinEncoder(config)
        dim = self.encoder.out_channels
        self.rotation_pre, self.rotation_head = nn.Identity(), nn.Linear(dim, ROTATIONS)
        self.contrastive_pre = nn.Identity()
        self.contrastive_head = nn.Linear(dim, config.contrastive_dim)
        self.conv = bottleneck_decoder(dim, config.upsample_mode)

    @property
    def swinViT(self) -> nn.Module:  # the code's name for the encoder
        return self.encoder.swinViT

    def heads(self, views: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Rotation logits (N, 4), contrastive embeddings (N, E), reconstruction (N, 1, D, H, W)."""
        bottleneck = self.encoder(views)  # (N, dim, s, s, s)
        tokens = bottleneck.flatten(2).transpose(1, 2)  # (N, s^3, dim)
        rotation = self.rotation_head(self.rotation_pre(tokens[:, 0]))
        contrastive = self.contrastive_head(self.contrastive_pre(tokens[:, 1]))
        return rotation, contrastive, self.conv(bottleneck)

    # --- Loss: rotation CE + contrastive NT-Xent + inpainting L1 (the code's Loss) -------------

    def forward(self, views, targets, rotations, dropped) -> torch.Tensor:
        rotation_logits, contrastive, reconstruction = self.heads(views)
        count = len(views) // 2
        c = self.config
        rotation = deterministic_cross_entropy(rotation_logits, rotations)
        contrast = nt_xent(contrastive[:count], contrastive[count:], c.temperature)
        inpainting = F.l1_loss(reconstruction.float(), targets)  # the whole volume, as the code
        return c.rotation_weight * rotation + c.contrastive_weight * contrast + c.inpainting_weight * inpainting


def load_official_weights(task: SwinUnetrPretextTask, state_dict: dict[str, torch.Tensor]) -> list[str]:
    """Load a state dict saved by the authors' code into ``task``; returns the keys not found.

    Their pre-training checkpoints name the encoder ``module.`` (DataParallel) or
    ``swinViT.``; heads keep their names. Everything is mapped onto this task's names.
    """
    renamed = {}
    for key, value in state_dict.items():
        key = key.removeprefix("module.")
        if not key.startswith(("swinViT.", "rotation_", "contrastive_", "conv.")):
            key = "swinViT." + key  # the encoder-only release stores bare Swin keys
        renamed[key.replace("swinViT.", "encoder.swinViT.", 1) if key.startswith("swinViT.") else key] = value
    return task.load_state_dict(renamed, strict=False).missing_keys


RECIPE = Recipe(
    name="swin_unetr_pretext",
    config=SwinUnetrPretextConfig(),
    smoke_config=SwinUnetrPretextConfig(
        steps=12,
        batch_size=2,
        volume_size=64,  # MONAI's Swin at its smallest: the bottleneck is 2^3 tokens
        feature_size=12,
        depths=(1, 1, 1, 1),
        window_size=4,  # 4 divides the 32^3 token grid; 7 pads it to 35^3 and costs 5x
        upsample_mode="nearest",  # trilinear's CUDA backward is not deterministic
        contrastive_dim=64,
        learning_rate=2e-3,
    ),
    build_task=SwinUnetrPretextTask,
    make_batch=make_batch,
    data_dimension=3,
    probe_data="ct-cube",
)


def smoke_check(device: str = "cpu", data: str = "synthetic") -> SmokeResult:
    """The three heads have their shapes; on the dropped voxels of held-out views the
    reconstruction beats the damaged input (identity) and the volume mean."""

    def check_outputs(task: nn.Module, batch: Batch) -> None:
        rotation_logits, embedding, reconstruction = task.heads(batch["views"])
        count = len(batch["views"])
        expect_shape(reconstruction, tuple(batch["targets"].shape), "reconstruction")
        expect_shape(rotation_logits, (count, ROTATIONS), "rotation logits")
        expect_shape(embedding, (count, RECIPE.smoke_config.contrastive_dim), "embeddings")

    def check_pretext(task: nn.Module, batches: list[Batch]) -> dict[str, float]:
        views, targets = torch.cat([b["views"] for b in batches]), torch.cat([b["targets"] for b in batches])
        dropped = torch.cat([b["dropped"] for b in batches])
        reconstruction = torch.cat([task.heads(b["views"])[2] for b in batches])
        return expect_restoration_beats_baselines("dropped-voxel", reconstruction, views, targets, dropped, power=1)

    return run_smoke_check(RECIPE, check_outputs, device, data, check_pretext=check_pretext, held_out=2)


def main(argv: list[str] | None = None) -> int:
    return reference_main(RECIPE, argv)


if __name__ == "__main__":
    raise SystemExit(main())
