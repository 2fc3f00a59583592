"""3D jigsaw puzzles: which permutation shuffled the 27 patches of a 3x3x3 grid?

Taleb, Loetzsch, Danz, Severin, Gaertner, Bergner, Lippert. "3D Self-Supervised Methods for
Medical Imaging". NeurIPS 2020. https://arxiv.org/abs/2006.03829. Catalog id:
``taleb2020-3d-self-supervised-methods``.

Paper, Sec. 3, "3D Jigsaw puzzle solving (3D-Jig)", after the 2D puzzles of Noroozi and
Favaro (ECCV 2016): cut a 3x3x3 grid of patches (with a random jitter, so borders do not give
the answer away), shuffle them by one permutation out of a fixed set chosen to be far apart in
Hamming distance, encode every patch with one shared network, and classify the permutation
from the concatenated features.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch
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

GRID = 3
PIECES = GRID**3  # 27


@dataclass
class Jigsaw3DConfig(TrainingConfig):
    volume_size: int = 36  # 3 cells of 12 voxels per side
    patch_size: int = 10  # < cell size: the slack is the random jitter
    permutations: int = 100  # classes; the puzzle papers use 100-1000, far apart from each other
    widths: tuple[int, ...] = (16, 32, 64)  # shared patch encoder channels
    hidden: int = 256  # classifier MLP width on the 27 concatenated patch features

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (1, self.volume_size, self.volume_size, self.volume_size)


# --- Transform (paper Sec. 3, "3D Jigsaw puzzle solving") ---------------------------------------


@functools.lru_cache(maxsize=8)
def permutation_set(count: int, pieces: int = PIECES, seed: int = 0) -> torch.Tensor:
    """``count`` permutations of ``pieces``, greedily chosen to maximise the minimum Hamming
    distance to those already picked (Noroozi and Favaro's "maximal Hamming distance" set).

    Fixed by ``seed`` so every run, and every DDP rank, uses the same classes. (count, pieces).
    """
    generator = torch.Generator().manual_seed(seed)
    chosen = [torch.arange(pieces)]
    while len(chosen) < count:
        candidates = torch.stack([torch.randperm(pieces, generator=generator) for _ in range(64)])
        picked = torch.stack(chosen)  # (K, pieces)
        distances = (candidates[:, None, :] != picked[None, :, :]).sum(dim=2)  # (64, K)
        chosen.append(candidates[distances.min(dim=1).values.argmax()])
    return torch.stack(chosen)


def cut_grid(volume: torch.Tensor, patch_size: int, generator: torch.Generator) -> torch.Tensor:
    """All 27 jittered patches of a (C, D, H, W) volume, in grid order: (27, C, p, p, p)."""
    cell = volume.shape[-1] // GRID
    patches = []
    for d in range(GRID):
        for h in range(GRID):
            for w in range(GRID):
                jitter = torch.randint(cell - patch_size + 1, (3,), generator=generator).tolist()
                start = [index * cell + j for index, j in zip((d, h, w), jitter, strict=True)]
                patches.append(
                    volume[
                        :,
                        start[0] : start[0] + patch_size,
                        start[1] : start[1] + patch_size,
                        start[2] : start[2] + patch_size,
                    ]
                )
    return torch.stack(patches)


def shuffle_pieces(pieces: torch.Tensor, permutation: torch.Tensor) -> torch.Tensor:
    """Position i of the result holds piece ``permutation[i]``."""
    return pieces[permutation]


def unshuffle_pieces(shuffled: torch.Tensor, permutation: torch.Tensor) -> torch.Tensor:
    """Undo ``shuffle_pieces``: put piece ``permutation[i]`` back at its own position."""
    restored = torch.empty_like(shuffled)
    restored[permutation] = shuffled
    return restored


def make_batch(source: ImageSource, config: Jigsaw3DConfig, generator: torch.Generator) -> Batch:
    volumes = source.sample(config.batch_size, (config.volume_size,) * 3, generator)
    permutations = permutation_set(config.permutations)
    labels = torch.randint(config.permutations, (config.batch_size,), generator=generator)
    puzzles = torch.stack(
        [
            shuffle_pieces(cut_grid(volume, config.patch_size, generator), permutations[label])
            for volume, label in zip(volumes, labels, strict=True)
        ]
    )  # (B, 27, 1, p, p, p)
    return {"puzzles": puzzles, "labels": labels}


# --- Model and loss: shared patch encoder, concatenation in puzzle order, classifier -----------


class Jigsaw3DTask(nn.Module):
    def __init__(self, config: Jigsaw3DConfig):
        super().__init__()
        self.encoder = ConvEncoder(3, 1, config.widths)
        self.classifier = nn.Sequential(
            nn.Linear(PIECES * self.encoder.out_channels, config.hidden),
            nn.GELU(),
            nn.Linear(config.hidden, config.permutations),
        )

    def logits(self, puzzles: torch.Tensor) -> torch.Tensor:
        batch = puzzles.shape[0]
        features = self.encoder.features(puzzles.flatten(0, 1))  # (B * 27, F)
        return self.classifier(features.view(batch, -1))  # (B, permutations)

    def forward(self, puzzles: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return deterministic_cross_entropy(self.logits(puzzles), labels)


RECIPE = Recipe(
    name="jigsaw_3d",
    config=Jigsaw3DConfig(),
    smoke_config=Jigsaw3DConfig(
        steps=30,
        batch_size=8,
        volume_size=18,
        patch_size=5,
        permutations=8,
        widths=(8, 16),
        hidden=64,
        learning_rate=3e-3,
    ),
    build_task=Jigsaw3DTask,
    make_batch=make_batch,
    data_dimension=3,
    probe_data="ct-cube",
)


def smoke_check(device: str = "cpu", data: str = "synthetic") -> SmokeResult:
    """Logits are (B, permutations); held-out puzzles are solved well above chance."""

    def check_outputs(task: nn.Module, batch: Batch) -> None:
        shape = (len(batch["labels"]), RECIPE.smoke_config.permutations)
        expect_shape(task.logits(batch["puzzles"]), shape, "logits")

    def check_pretext(task: nn.Module, batches: list[Batch]) -> dict[str, float]:
        logits = torch.cat([task.logits(b["puzzles"]) for b in batches])
        labels = torch.cat([b["labels"] for b in batches])
        chance = 1 / RECIPE.smoke_config.permutations
        return expect_above_chance("permutation accuracy", accuracy(logits, labels), chance, 0.2)

    return run_smoke_check(RECIPE, check_outputs, device, data, check_pretext=check_pretext)


def main(argv: list[str] | None = None) -> int:
    return reference_main(RECIPE, argv)


if __name__ == "__main__":
    raise SystemExit(main())
