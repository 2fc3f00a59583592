"""Rubik's cube recovery: predict how 2x2x2 cubes were reordered and which were rotated.

Zhuang, Li, Shen, Ma, Zheng. "Self-supervised Feature Learning for 3D Medical Images by Playing
a Rubik's Cube". MICCAI 2019. https://arxiv.org/abs/1910.02241. Catalog id:
``zhuang2019-rubiks-cube``.

Paper, Sec. 2: a volume is cut into a 2x2x2 grid of cubes, which are shuffled (one permutation
from a fixed set far apart in Hamming distance: *cube ordering*) and may each be rotated by
180 degrees about one of two axes (*cube orientation*). A siamese network encodes every cube;
the concatenated features feed two heads, one classifying the permutation and one predicting
the rotation of every cube. The two losses are summed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from runnable_refs.harness import (
    Batch,
    ConvEncoder,
    ImageSource,
    Recipe,
    SmokeResult,
    TrainingConfig,
    accuracy,
    deterministic_cross_entropy,
    expect_above_chance,
    expect_shape,
    reference_main,
    run_smoke_check,
)

GRID = 2
CUBES = GRID**3  # 8
# Rotation state of a cube: 0 none, 1 "horizontal" (180 degrees in the D-W plane),
# 2 "vertical" (180 degrees in the D-H plane). Target bits per cube: (horizontal, vertical).
ROTATION_PLANES = {1: (1, 3), 2: (1, 2)}  # planes as (C, D, H, W) dims of one cube


@dataclass
class RubiksCubeConfig(TrainingConfig):
    volume_size: int = 32  # 2 cells of 16 voxels per side
    cube_size: int = 14  # < cell size: random jitter inside each cell, like the puzzle papers
    permutations: int = 100  # ordering classes; a maximal-Hamming-distance subset of 8!
    rotation_rate: float = 0.5  # each cube is rotated with this probability
    widths: tuple[int, ...] = (16, 32, 64)  # shared cube encoder channels
    hidden: int = 256  # width of both heads

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (1, self.volume_size, self.volume_size, self.volume_size)


# --- Transform (paper Sec. 2: cube ordering and cube orientation) -------------------------------


@functools.lru_cache(maxsize=8)
def permutation_set(count: int, pieces: int = CUBES, seed: int = 0) -> torch.Tensor:
    """``count`` permutations greedily chosen for a large minimum Hamming distance. (K, 8)."""
    generator = torch.Generator().manual_seed(seed)
    chosen = [torch.arange(pieces)]
    while len(chosen) < count:
        candidates = torch.stack([torch.randperm(pieces, generator=generator) for _ in range(64)])
        distances = (candidates[:, None, :] != torch.stack(chosen)[None]).sum(dim=2)
        chosen.append(candidates[distances.min(dim=1).values.argmax()])
    return torch.stack(chosen)


def cut_cubes(volume: torch.Tensor, cube_size: int, generator: torch.Generator) -> torch.Tensor:
    """The 8 jittered cubes of a (C, D, H, W) volume in grid order: (8, C, s, s, s)."""
    cell = volume.shape[-1] // GRID
    cubes = []
    for corner in range(CUBES):
        index = ((corner >> 2) & 1, (corner >> 1) & 1, corner & 1)
        jitter = torch.randint(cell - cube_size + 1, (3,), generator=generator).tolist()
        start = [i * cell + j for i, j in zip(index, jitter, strict=True)]
        cubes.append(
            volume[
                :,
                start[0] : start[0] + cube_size,
                start[1] : start[1] + cube_size,
                start[2] : start[2] + cube_size,
            ]
        )
    return torch.stack(cubes)


def rotate_cube(cube: torch.Tensor, state: int) -> torch.Tensor:
    """Rotate a (C, s, s, s) cube by 180 degrees for ``state`` 1 or 2; 0 leaves it alone."""
    return cube if state == 0 else torch.rot90(cube, 2, dims=ROTATION_PLANES[state])


def make_batch(source: ImageSource, config: RubiksCubeConfig, generator: torch.Generator) -> Batch:
    volumes = source.sample(config.batch_size, (config.volume_size,) * 3, generator)
    orders = torch.randint(config.permutations, (config.batch_size,), generator=generator)
    rotated = torch.rand((config.batch_size, CUBES), generator=generator) < config.rotation_rate
    axis = torch.randint(1, 3, (config.batch_size, CUBES), generator=generator)
    states = torch.where(rotated, axis, 0)  # (B, 8), per position after shuffling
    scrambled = []
    for volume, order, state in zip(volumes, orders, states, strict=True):
        order_of_cubes = permutation_set(config.permutations)[order]
        cubes = cut_cubes(volume, config.cube_size, generator)[order_of_cubes]
        rotated_cubes = [rotate_cube(c, int(s)) for c, s in zip(cubes, state, strict=True)]
        scrambled.append(torch.stack(rotated_cubes))
    rotation_bits = torch.stack([states == 1, states == 2], dim=-1).float()  # (B, 8, 2)
    return {"cubes": torch.stack(scrambled), "orders": orders, "rotations": rotation_bits}


# --- Model and loss: siamese cube encoder, ordering head (CE) + orientation head (BCE) ----------


class RubiksCubeTask(nn.Module):
    def __init__(self, config: RubiksCubeConfig):
        super().__init__()
        self.encoder = ConvEncoder(3, 1, config.widths)
        joint = CUBES * self.encoder.out_channels
        self.order_head = nn.Sequential(
            nn.Linear(joint, config.hidden),
            nn.GELU(),
            nn.Linear(config.hidden, config.permutations),
        )
        self.rotation_head = nn.Sequential(
            nn.Linear(joint, config.hidden), nn.GELU(), nn.Linear(config.hidden, CUBES * 2)
        )

    def predict(self, cubes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Ordering logits (B, permutations) and rotation logits (B, 8, 2)."""
        batch = cubes.shape[0]
        joint = self.encoder.features(cubes.flatten(0, 1)).view(batch, -1)  # (B, 8 * F)
        return self.order_head(joint), self.rotation_head(joint).view(batch, CUBES, 2)

    def forward(self, cubes: torch.Tensor, orders: torch.Tensor, rotations: torch.Tensor):
        order_logits, rotation_logits = self.predict(cubes)
        ordering_loss = deterministic_cross_entropy(order_logits, orders)
        orientation_loss = F.binary_cross_entropy_with_logits(rotation_logits.float(), rotations)
        return ordering_loss + orientation_loss


RECIPE = Recipe(
    name="rubiks_cube",
    config=RubiksCubeConfig(),
    smoke_config=RubiksCubeConfig(
        steps=60,
        batch_size=8,
        volume_size=16,
        cube_size=7,
        permutations=8,
        widths=(8, 16),
        hidden=64,
        learning_rate=3e-3,
    ),
    build_task=RubiksCubeTask,
    make_batch=make_batch,
    data_dimension=3,
    probe_data="ct-cube",
)


def smoke_check(device: str = "cpu", data: str = "synthetic") -> SmokeResult:
    """Ordering logits (B, K) and rotation logits (B, 8, 2); held-out cube orders are
    recognised well above chance (1/K)."""

    def check_outputs(task: nn.Module, batch: Batch) -> None:
        order_logits, rotation_logits = task.predict(batch["cubes"])
        count = len(batch["orders"])
        expect_shape(order_logits, (count, RECIPE.smoke_config.permutations), "ordering logits")
        expect_shape(rotation_logits, (count, CUBES, 2), "rotation logits")

    def check_pretext(task: nn.Module, batches: list[Batch]) -> dict[str, float]:
        logits = torch.cat([task.predict(b["cubes"])[0] for b in batches])
        labels = torch.cat([b["orders"] for b in batches])
        chance = 1 / RECIPE.smoke_config.permutations
        return expect_above_chance("order accuracy", accuracy(logits, labels), chance, 0.2)

    return run_smoke_check(RECIPE, check_outputs, device, data, check_pretext=check_pretext)


def main(argv: list[str] | None = None) -> int:
    return reference_main(RECIPE, argv)


if __name__ == "__main__":
    raise SystemExit(main())
