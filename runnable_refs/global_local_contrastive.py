"""Global and local contrastive learning for volumetric segmentation with few labels.

Chaitanya, Erdil, Karani, Konukoglu. "Contrastive learning of global and local features for
medical image segmentation with limited annotations". NeurIPS 2020.
https://arxiv.org/abs/2006.10511. Catalog id: ``chaitanya2020-global-local-contrastive``.

Two ideas on a 2D U-Net over slices of 3D scans (paper, Sec. 3), trained in two stages as in
the authors' code (``pretr_encoder_global_contrastive_loss.py``, then
``pretr_decoder_local_contrastive_loss.py``):
* Stage 1, global contrast, domain-specific strategy ("G^D"): volumes are aligned roughly, so
  split each into S partitions along the slice axis; slices from the *same partition of
  different volumes* show similar anatomy and count as positives, as does the slice's own
  augmented view. The loss acts on the encoder's pooled output through a projection head.
* Stage 2, local contrast ("L"), with the encoder frozen: on a decoder feature map, the same
  3x3 local region in two intensity-augmented views of one image is a positive pair; other
  regions of that image are negatives (13 regions, 5 negatives each: the code's defaults).
This trains the decoder for dense (segmentation) tasks.
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
    expect_above_chance,
    expect_shape,
    intensity_jitter,
    reference_main,
    retrieval_top1,
    run_smoke_check,
)


@dataclass
class GlobalLocalConfig(TrainingConfig):
    image_size: int = 64  # slice side
    depth: int = 16  # slices per sampled volume
    partitions: int = 4  # S; the paper uses a handful (3-6) per volume
    batch_size: int = 4  # volumes per batch; each gives one slice per partition
    temperature: float = 0.1  # NT-Xent temperature, as in the paper and code (temp_fac)
    projection_dim: int = 64  # global projection head output
    local_dim: int = 32  # channels of the local embedding map (the U-Net's 1x1 head)
    local_regions: int = 13  # 3x3 regions sampled per map (the code's no_of_local_regions)
    negative_regions: int = 5  # negatives per region, from the same image (no_of_neg_local_regions)
    global_fraction: float = 0.5  # stage 1 (global) takes this share of the steps, stage 2 the rest
    widths: tuple[int, ...] = (16, 32, 64)  # U-Net channels per level; both decoder blocks are
    # pre-trained in stage 2 (the code pre-trains 1 of its 5; this U-Net has only 2)

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
    # Random 3x3 region centres, away from the border; the same in both views.
    centres = torch.randint(1, config.image_size - 1, (len(slices), config.local_regions, 2), generator=generator)
    # Intensity-only augmentations keep pixel positions, which the local loss relies on.
    return {
        "view_a": intensity_jitter(slices, generator),
        "view_b": intensity_jitter(slices, generator),
        "partitions": partitions,
        "region_centres": centres,  # (N, R, 2) as (row, column)
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


def regions_at(feature_map: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
    """The 3x3 neighbourhoods of ``centres`` (N, R, 2) in a (N, C, H, W) map, flattened: (N, R, 9C)."""
    width = feature_map.shape[-1]
    patches = F.unfold(feature_map, kernel_size=3, padding=1)  # (N, 9C, H * W)
    index = (centres[..., 0] * width + centres[..., 1])[:, None, :].expand(-1, patches.shape[1], -1)
    return torch.gather(patches, 2, index).transpose(1, 2)


def local_contrastive_loss(regions_a: torch.Tensor, regions_b: torch.Tensor, temperature: float, negatives: int):
    """Region r of view a must pick region r of view b against ``negatives`` other regions of
    the same image (and vice versa). ``regions_*`` (N, R, E) unit vectors."""
    n, r, _ = regions_a.shape
    # Candidates of region r: itself, then the next ``negatives`` regions (regions are random).
    candidates = (
        torch.arange(r, device=regions_a.device)[:, None] + torch.arange(negatives + 1, device=regions_a.device)
    ) % r
    targets = torch.zeros(n * r, dtype=torch.long, device=regions_a.device)
    total = regions_a.new_zeros(())
    for query, keys in ((regions_a, regions_b), (regions_b, regions_a)):
        logits = (query @ keys.transpose(1, 2) / temperature).gather(2, candidates.expand(n, -1, -1))  # (N, R, 1 + neg)
        total = total + deterministic_cross_entropy(logits.reshape(n * r, -1), targets)
    return total / 2


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
        self.local_head = nn.Linear(9 * config.local_dim, config.projection_dim)  # the code's wgt_en=1
        self.register_buffer("stage", torch.tensor(1))  # 1: global (encoder), 2: local (decoder)
        self.has_unused_parameters = True  # each stage trains only its part (DDP must know)

    @property
    def encoder(self) -> nn.Module:
        return self.unet.encoder

    def set_progress(self, fraction: float) -> None:
        """Stage 1 for the first ``global_fraction`` of the run, then stage 2."""
        self.stage.fill_(1 if fraction < self.config.global_fraction else 2)

    def embed_global(self, images: torch.Tensor) -> torch.Tensor:
        """Global embeddings (N, E) of the pooled encoder output."""
        pooled = self.unet.encoder.features(images)
        return F.normalize(self.global_head(pooled).float(), dim=1)

    def embed_local(self, images: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
        """Local region embeddings (N, R, E); the encoder is frozen (stage 2 trains the decoder)."""
        with torch.no_grad():
            maps = [m.detach() for m in self.unet.encoder.pyramid(images)]
        local_map = self.unet.head(self.unet.decoder_features(maps))  # (N, local_dim, H, W)
        return F.normalize(self.local_head(regions_at(local_map, centres)).float(), dim=2)

    def forward(self, view_a, view_b, partitions, region_centres):
        c = self.config
        if int(self.stage) == 1:
            embeddings = self.embed_global(torch.cat([view_a, view_b]))
            return global_contrastive_loss(embeddings, partitions.repeat(2), c.temperature)
        regions = self.embed_local(torch.cat([view_a, view_b]), region_centres.repeat(2, 1, 1))
        count = len(view_a)
        return local_contrastive_loss(regions[:count], regions[count:], c.temperature, c.negative_regions)


RECIPE = Recipe(
    name="global_local_contrastive",
    config=GlobalLocalConfig(),
    smoke_config=GlobalLocalConfig(
        steps=60,
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
    """Global embeddings (N, E) and region embeddings (N, R, E); on held-out slices, a view
    retrieves its partner view (stage 1) and a region its partner region (stage 2)."""

    def check_outputs(task: nn.Module, batch: Batch) -> None:
        config = RECIPE.smoke_config
        count = len(batch["view_a"])
        expect_shape(task.embed_global(batch["view_a"]), (count, config.projection_dim), "global embeddings")
        regions = task.embed_local(batch["view_a"], batch["region_centres"])
        expect_shape(regions, (count, config.local_regions, config.projection_dim), "regions")

    def check_pretext(task: nn.Module, batches: list[Batch]) -> dict[str, float]:
        """G^D: a slice's nearest other-view slice comes from its partition (chance 1/S)."""
        global_hits, local_hits = [], []
        for b in batches:
            similarity = task.embed_global(b["view_a"]) @ task.embed_global(b["view_b"]).T
            nearest = b["partitions"][similarity.argmax(dim=1)]
            global_hits.append(float((nearest == b["partitions"]).float().mean()))
            a = task.embed_local(b["view_a"], b["region_centres"])
            other = task.embed_local(b["view_b"], b["region_centres"])
            local_hits.append(sum(retrieval_top1(x, y) for x, y in zip(a, other, strict=True)) / len(a))
        partitions, regions = RECIPE.smoke_config.partitions, RECIPE.smoke_config.local_regions
        return {
            **expect_above_chance("partition retrieval", sum(global_hits) / len(global_hits), 1 / partitions, 0.3),
            **expect_above_chance("region retrieval", sum(local_hits) / len(local_hits), 1 / regions, 0.2),
        }

    return run_smoke_check(RECIPE, check_outputs, device, data, check_pretext=check_pretext)


def main(argv: list[str] | None = None) -> int:
    return reference_main(RECIPE, argv)


if __name__ == "__main__":
    raise SystemExit(main())
