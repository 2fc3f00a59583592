"""vox2vec: contrastive learning of voxel-level representations.

Goncharov, Soboleva, Kurmukov, Pisov, Belyaev. "vox2vec: A Framework for Self-supervised
Contrastive Learning of Voxel-level Representations in Medical Images". MICCAI 2023.
Catalog id: ``goncharov2023-vox2vec``.

The idea (paper, Sec. 2): take two overlapping random crops of one CT, augment each, and
pass both through a feature pyramid network (FPN: a bottom-up encoder, then a top-down path
with lateral connections; here MONAI's ``FeaturePyramidNetwork``). A voxel inside the overlap
appears in both crops: its two feature vectors form a positive pair. A voxel's representation
is the concatenation of the FPN's *top-down* output maps at its position (coarse maps read at
the voxel's downscaled coordinates), so it is multi-scale. An MLP projection head and an
InfoNCE loss complete it; the negatives are all other sampled voxels of *both* crops, the
same crop's included (intra-view negatives, as in the authors' code: SimCLR's NT-Xent form).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from monai.networks.blocks.feature_pyramid_network import FeaturePyramidNetwork
from torch import nn

from runnable_refs.harness import (
    Batch,
    ConvEncoder,
    ImageSource,
    Recipe,
    SmokeResult,
    TrainingConfig,
    expect_above_chance,
    expect_shape,
    intensity_jitter,
    nt_xent,
    reference_main,
    retrieval_top1,
    run_smoke_check,
)


@dataclass
class Vox2VecConfig(TrainingConfig):
    crop_size: int = 32  # side of each crop (the paper uses larger, anisotropic patches)
    max_shift: int = 8  # crops are offset by up to this many voxels: they always overlap
    voxels_per_pair: int = 64  # positive pairs sampled from each overlap
    temperature: float = 0.1  # InfoNCE temperature
    projection_dim: int = 64  # projection head output
    widths: tuple[int, ...] = (16, 32, 64)  # bottom-up levels at strides 1, 2, 4
    fpn_width: int = 32  # channels of every top-down FPN output (the paper: 128 at 6 levels)
    batch_size: int = 4  # volume pairs; 4 x 64 voxels = 256 candidates per contrast

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (1, self.crop_size, self.crop_size, self.crop_size)


# --- Transform: two overlapping crops and matching voxel positions (paper Sec. 2) --------------


def overlapping_crops(
    volume: torch.Tensor, config: Vox2VecConfig, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Two crops of a (C, S, S, S) volume and ``voxels_per_pair`` shared voxels in each crop's
    coordinates: crop_a, crop_b (C, c, c, c) and positions_a, positions_b (N, 3)."""
    size = config.crop_size
    offset_a = torch.randint(config.max_shift + 1, (3,), generator=generator)
    offset_b = torch.randint(config.max_shift + 1, (3,), generator=generator)
    low, high = torch.maximum(offset_a, offset_b), torch.minimum(offset_a, offset_b) + size
    unit = torch.rand((config.voxels_per_pair, 3), generator=generator)
    voxels = low + (unit * (high - low)).long()  # (N, 3) in the volume's coordinates

    def crop(offset: torch.Tensor) -> torch.Tensor:
        d, h, w = offset.tolist()
        return volume[:, d : d + size, h : h + size, w : w + size]

    return crop(offset_a), crop(offset_b), voxels - offset_a, voxels - offset_b


def make_batch(source: ImageSource, config: Vox2VecConfig, generator: torch.Generator) -> Batch:
    side = config.crop_size + config.max_shift
    volumes = source.sample(config.batch_size, (side, side, side), generator)
    pairs = [overlapping_crops(volume, config, generator) for volume in volumes]
    crops_a, crops_b, positions_a, positions_b = (torch.stack(parts) for parts in zip(*pairs, strict=True))
    return {
        "crops_a": intensity_jitter(crops_a, generator),  # (B, 1, c, c, c)
        "crops_b": intensity_jitter(crops_b, generator),
        "positions_a": positions_a,  # (B, N, 3)
        "positions_b": positions_b,
    }


# --- Model: pyramid features at voxel positions + projection head -------------------------------


def pyramid_features_at(maps: list[torch.Tensor], positions: torch.Tensor) -> torch.Tensor:
    """Concatenate every pyramid level's features at ``positions`` (B, N, 3) -> (B, N, sum C).

    Level l has stride 2**l, so a voxel is read at its coordinates divided by 2**l.
    """
    features = []
    for level, feature_map in enumerate(maps):
        b, c = feature_map.shape[:2]
        height, width = feature_map.shape[3:]
        z, y, x = (positions >> level).unbind(dim=-1)  # (B, N) each
        flat_index = (z * height + y) * width + x  # (B, N)
        index = flat_index[:, None, :].expand(b, c, -1)  # gather is deterministic on CUDA
        features.append(torch.gather(feature_map.flatten(2), 2, index))  # (B, C, N)
    return torch.cat(features, dim=1).transpose(1, 2)


class FeaturePyramidBackbone(nn.Module):
    """Bottom-up ``ConvEncoder`` + MONAI's top-down ``FeaturePyramidNetwork``.

    ``pyramid(x)`` gives the FPN's top-down outputs, finest first, each ``fpn_width`` wide;
    ``features(x)`` pools the finest one, for the probe and fine-tuning.
    """

    def __init__(self, widths: tuple[int, ...], fpn_width: int):
        super().__init__()
        self.bottom_up = ConvEncoder(3, 1, widths)
        self.top_down = FeaturePyramidNetwork(3, list(widths), fpn_width)
        self.out_channels = fpn_width

    def pyramid(self, x: torch.Tensor) -> list[torch.Tensor]:
        levels = OrderedDict((str(i), level) for i, level in enumerate(self.bottom_up.pyramid(x)))
        return list(self.top_down(levels).values())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pyramid(x)[0]

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward(x).flatten(2).mean(dim=2)  # (B, fpn_width)


class Vox2VecTask(nn.Module):
    def __init__(self, config: Vox2VecConfig):
        super().__init__()
        self.config = config
        self.encoder = FeaturePyramidBackbone(config.widths, config.fpn_width)
        total = config.fpn_width * len(config.widths)
        self.projection = nn.Sequential(nn.Linear(total, total), nn.GELU(), nn.Linear(total, config.projection_dim))

    def voxel_embeddings(self, crops: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        """Unit-length embeddings of the voxels at ``positions``: (B, N, projection_dim)."""
        features = pyramid_features_at(self.encoder.pyramid(crops), positions)
        return F.normalize(self.projection(features).float(), dim=-1)

    # --- Loss: InfoNCE, the same voxel in the other crop is the positive (paper Sec. 2) --------

    def forward(self, crops_a, crops_b, positions_a, positions_b) -> torch.Tensor:
        a = self.voxel_embeddings(crops_a, positions_a).flatten(0, 1)  # (B * N, E)
        b = self.voxel_embeddings(crops_b, positions_b).flatten(0, 1)
        # Every other sampled voxel of both crops is a negative (inter- and intra-view).
        return nt_xent(a, b, self.config.temperature)


RECIPE = Recipe(
    name="vox2vec",
    config=Vox2VecConfig(),
    smoke_config=Vox2VecConfig(
        steps=30,
        batch_size=2,
        crop_size=16,
        max_shift=4,
        voxels_per_pair=32,
        widths=(8, 16),
        fpn_width=16,
        projection_dim=32,
        learning_rate=3e-3,
    ),
    build_task=Vox2VecTask,
    make_batch=make_batch,
    data_dimension=3,
    probe_data="ct-cube",
)


def smoke_check(device: str = "cpu", data: str = "synthetic") -> SmokeResult:
    """Voxel embeddings are (B, N, E) unit vectors; the InfoNCE loss falls."""

    def check_outputs(task: nn.Module, batch: Batch) -> None:
        config = RECIPE.smoke_config
        embeddings = task.voxel_embeddings(batch["crops_a"], batch["positions_a"])
        shape = (len(batch["crops_a"]), config.voxels_per_pair, config.projection_dim)
        expect_shape(embeddings, shape, "voxel embeddings")

    def check_pretext(task: nn.Module, batches: list[Batch]) -> dict[str, float]:
        """Held-out: a voxel in crop a retrieves the same voxel among crop b's sampled voxels."""
        scores = []
        for b in batches:
            a = task.voxel_embeddings(b["crops_a"], b["positions_a"]).flatten(0, 1)
            other = task.voxel_embeddings(b["crops_b"], b["positions_b"]).flatten(0, 1)
            scores.append(retrieval_top1(a, other))
        chance = 1 / (len(batches[0]["crops_a"]) * RECIPE.smoke_config.voxels_per_pair)
        return expect_above_chance("voxel retrieval", sum(scores) / len(scores), chance, 0.1)

    return run_smoke_check(RECIPE, check_outputs, device, data, check_pretext=check_pretext)


def main(argv: list[str] | None = None) -> int:
    return reference_main(RECIPE, argv)


if __name__ == "__main__":
    raise SystemExit(main())
