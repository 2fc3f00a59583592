"""Global and local contrastive learning for volumetric segmentation with few labels.

Chaitanya, Erdil, Karani, Konukoglu. "Contrastive learning of global and local features for
medical image segmentation with limited annotations". NeurIPS 2020.
https://arxiv.org/abs/2006.10511. Catalog id: ``chaitanya2020-global-local-contrastive``.

Two ideas on a 2D U-Net over slices of 3D scans (paper, Sec. 3):
* Global contrast, domain-specific strategy ("G^D"): volumes are aligned roughly, so split each
  into S partitions along the slice axis; slices from the *same partition of different
  volumes* show similar anatomy and count as positives, as does the slice's own augmented
  view. The loss acts on the encoder's pooled output through a projection head.
* Local contrast ("L"): on a decoder feature map, the same local region in two augmented
  views of one image is a positive pair, other regions of that image are negatives. This
  trains the decoder for dense (segmentation) tasks.
The paper trains the two stages one after the other (encoder with the global loss, then the
decoder with the local loss); this reference sums them in one stage to keep one training loop.
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
    intensity_jitter,
    reference_main,
    run_smoke_check,
)


@dataclass
class GlobalLocalConfig(TrainingConfig):
    image_size: int = 64  # slice side
    depth: int = 16  # slices per sampled volume
    partitions: int = 4  # S; the paper uses a handful (3-6) per volume
    batch_size: int = 4  # volumes per batch; each gives one slice per partition
    temperature: float = 0.1  # NT-Xent temperature, as in the paper
    projection_dim: int = 64  # global projection head output
    local_dim: int = 32  # channels of the local embedding map (the U-Net's 1x1 head)
    region_grid: int = 4  # the decoder map is split into region_grid^2 local regions
    widths: tuple[int, ...] = (16, 32, 64)  # U-Net channels per level

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (1, self.image_size, self.image_size)


# --- Transform: one slice per partition of each volume, two intensity-augmented views ----------


def partition_slices(
    volumes: torch.Tensor, partitions: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """From (V, 1, D, H, W) take one random slice inside each of ``partitions`` equal depth
    ranges: slices (V * S, 1, H, W) and their partition index (V * S,)."""
    depth = volumes.shape[2]
    bounds = torch.linspace(0, depth, partitions + 1).long()
    slices, labels = [], []
    for volume in volumes:
        for part in range(partitions):
            index = int(torch.randint(int(bounds[part]), int(bounds[part + 1]), (1,), generator=generator))
            slices.append(volume[:, index])
            labels.append(part)
    return torch.stack(slices), torch.tensor(labels)


def make_batch(source: ImageSource, config: GlobalLocalConfig, generator: torch.Generator) -> Batch:
    shape = (config.depth, config.image_size, config.image_size)
    volumes = source.sample(config.batch_size, shape, generator)  # (V, 1, D, H, W)
    slices, partitions = partition_slices(volumes, config.partitions, generator)
    # Intensity-only augmentations keep pixel positions, which the local loss relies on.
    return {
        "view_a": intensity_jitter(slices, generator),
        "view_b": intensity_jitter(slices, generator),
        "partitions": partitions,
    }


# --- Losses (paper Sec. 3: global loss with strategy G^D, local loss) ---------------------------


def global_contrastive_loss(embeddings: torch.Tensor, labels: torch.Tensor, temperature: float):
    """NT-Xent averaged over all positive pairs; pairs share a partition label.

    ``embeddings`` (N, E) unit vectors, ``labels`` (N,); every other sample is in the
    denominator.
    """
    similarity = embeddings @ embeddings.T / temperature  # (N, N)
    self_mask = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
    log_probability = similarity.masked_fill(self_mask, float("-inf")).log_softmax(dim=1)
    positives = (labels[:, None] == labels[None, :]) & ~self_mask
    return -(log_probability.masked_fill(~positives, 0.0).sum(dim=1) / positives.sum(dim=1)).mean()


def region_embeddings(feature_map: torch.Tensor, grid: int) -> torch.Tensor:
    """Average a (N, C, H, W) map over a grid x grid layout of regions: (N, grid^2, C), unit."""
    n, c, h, w = feature_map.shape
    regions = feature_map.view(n, c, grid, h // grid, grid, w // grid).mean(dim=(3, 5))
    return F.normalize(regions.flatten(2).transpose(1, 2).float(), dim=2)


def local_contrastive_loss(regions_a: torch.Tensor, regions_b: torch.Tensor, temperature: float):
    """Region r of view a must pick region r of view b among all regions of that image."""
    n, r, _ = regions_a.shape
    logits = regions_a @ regions_b.transpose(1, 2) / temperature  # (N, R, R)
    targets = torch.arange(r, device=logits.device).repeat(n)
    forward = deterministic_cross_entropy(logits.reshape(n * r, r), targets)
    backward = deterministic_cross_entropy(logits.transpose(1, 2).reshape(n * r, r), targets)
    return (forward + backward) / 2


# --- Model: U-Net (its 1x1 head makes the local embedding map) and a global projection head -----


class GlobalLocalTask(nn.Module):
    def __init__(self, config: GlobalLocalConfig):
        super().__init__()
        self.config = config
        self.unet = UNet(2, 1, config.local_dim, config.widths)
        width = self.unet.encoder.out_channels
        # Batch-statistics BatchNorm in the projection (as in SimCLR's head, which the paper
        # follows): slices of these similar volumes start with almost identical pooled
        # features. No running statistics, so no buffers for DDP to synchronise.
        self.global_head = nn.Sequential(
            nn.Linear(width, width),
            nn.BatchNorm1d(width, track_running_stats=False),
            nn.GELU(),
            nn.Linear(width, config.projection_dim),
        )

    @property
    def encoder(self) -> nn.Module:
        return self.unet.encoder

    def embed(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Global embeddings (N, E) and local region embeddings (N, grid^2, local_dim)."""
        maps = self.unet.encoder.pyramid(images)
        pooled = maps[-1].flatten(2).mean(dim=2)
        global_embedding = F.normalize(self.global_head(pooled).float(), dim=1)
        local_map = self.unet.head(self.unet.decoder_features(maps))  # (N, local_dim, H, W)
        return global_embedding, region_embeddings(local_map, self.config.region_grid)

    def forward(self, view_a: torch.Tensor, view_b: torch.Tensor, partitions: torch.Tensor):
        global_embedding, regions = self.embed(torch.cat([view_a, view_b]))
        count = len(view_a)
        global_loss = global_contrastive_loss(global_embedding, partitions.repeat(2), self.config.temperature)
        local_loss = local_contrastive_loss(regions[:count], regions[count:], self.config.temperature)
        return global_loss + local_loss


RECIPE = Recipe(
    name="global_local_contrastive",
    config=GlobalLocalConfig(),
    smoke_config=GlobalLocalConfig(
        steps=30,
        batch_size=4,
        image_size=32,
        depth=8,
        partitions=4,
        widths=(8, 16),
        projection_dim=32,
        local_dim=16,
        learning_rate=3e-3,
    ),
    build_task=GlobalLocalTask,
    make_batch=make_batch,
    data_dimension=3,
    probe_data="ct-slice",
)


def smoke_check(device: str = "cpu", data: str = "synthetic") -> SmokeResult:
    """Global embeddings (N, E) and region embeddings (N, grid^2, C); the summed loss falls."""

    def check_outputs(task: nn.Module, batch: Batch) -> None:
        config = RECIPE.smoke_config
        global_embedding, regions = task.embed(batch["view_a"])
        count = len(batch["view_a"])
        expect_shape(global_embedding, (count, config.projection_dim), "global embeddings")
        expect_shape(regions, (count, config.region_grid**2, config.local_dim), "regions")

    return run_smoke_check(RECIPE, check_outputs, device, data)


def main(argv: list[str] | None = None) -> int:
    return reference_main(RECIPE, argv)


if __name__ == "__main__":
    raise SystemExit(main())
