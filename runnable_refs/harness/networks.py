"""Small, method-agnostic backbones: a conv encoder, a U-Net and a ViT, in 2D or 3D.

Every backbone has ``features(x) -> (B, F)``, the pooled representation the probe reads.
Choices made for reproducibility and DDP rather than accuracy: GroupNorm instead of BatchNorm
(no batch statistics to synchronise across ranks, fine with tiny batches), strided convolutions
and transposed convolutions instead of pooling/interpolation (their CUDA backward passes are
deterministic), and attention written out instead of fused kernels.
"""

from __future__ import annotations

import itertools
import math

import torch
import torch.nn.functional as F
from torch import nn


def convolution(dimension: int) -> type[nn.Conv2d] | type[nn.Conv3d]:
    return nn.Conv2d if dimension == 2 else nn.Conv3d


class ConvBlock(nn.Sequential):
    """conv3 -> GroupNorm -> GELU, twice; the first convolution may downsample by ``stride``."""

    def __init__(self, dimension: int, in_channels: int, out_channels: int, stride: int = 1):
        conv = convolution(dimension)
        groups = min(8, out_channels // 4) or 1
        super().__init__(
            conv(in_channels, out_channels, 3, stride=stride, padding=1),
            nn.GroupNorm(groups, out_channels),
            nn.GELU(),
            conv(out_channels, out_channels, 3, padding=1),
            nn.GroupNorm(groups, out_channels),
            nn.GELU(),
        )


class ConvEncoder(nn.Module):
    """A stem and stride-2 stages: (B, C, *S) -> (B, widths[-1], *S / 2**(len(widths) - 1))."""

    def __init__(self, dimension: int, in_channels: int = 1, widths: tuple[int, ...] = (16, 32, 64)):
        super().__init__()
        self.dimension = dimension
        self.out_channels = widths[-1]
        self.stages = nn.ModuleList([ConvBlock(dimension, in_channels, widths[0])])
        for previous, width in itertools.pairwise(widths):
            self.stages.append(ConvBlock(dimension, previous, width, stride=2))

    def pyramid(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Feature maps of every stage, finest first (the U-Net skip connections)."""
        maps = []
        for stage in self.stages:
            x = stage(x)
            maps.append(x)
        return maps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pyramid(x)[-1]

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Global average of the deepest map: (B, out_channels)."""
        return self.forward(x).flatten(2).mean(dim=2)


class UNet(nn.Module):
    """A U-Net: ``ConvEncoder`` down, transposed convolutions up, skip connections between."""

    def __init__(
        self,
        dimension: int,
        in_channels: int = 1,
        out_channels: int = 1,
        widths: tuple[int, ...] = (16, 32, 64),
    ):
        super().__init__()
        self.encoder = ConvEncoder(dimension, in_channels, widths)
        transposed = nn.ConvTranspose2d if dimension == 2 else nn.ConvTranspose3d
        self.upsample = nn.ModuleList()
        self.decode = nn.ModuleList()
        for deep, shallow in zip(widths[:0:-1], widths[-2::-1], strict=True):
            self.upsample.append(transposed(deep, shallow, kernel_size=2, stride=2))
            self.decode.append(ConvBlock(dimension, 2 * shallow, shallow))
        self.head = convolution(dimension)(widths[0], out_channels, 1)
        self.decoder_channels = widths[0]

    def decoder_features(self, maps: list[torch.Tensor]) -> torch.Tensor:
        """Decode an encoder ``pyramid`` to full-resolution features (B, widths[0], *S)."""
        y = maps[-1]
        for upsample, decode, skip in zip(self.upsample, self.decode, maps[-2::-1], strict=True):
            y = decode(torch.cat([upsample(y), skip], dim=1))
        return y

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.decoder_features(self.encoder.pyramid(x)))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder.features(x)


class TransformerBlock(nn.Module):
    """Pre-norm multi-head self-attention and MLP, each with a residual connection."""

    def __init__(self, dim: int, heads: int, mlp_ratio: float = 4.0):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        hidden = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

    def attention(self, x: torch.Tensor) -> torch.Tensor:
        batch, tokens, dim = x.shape
        qkv = self.qkv(x).view(batch, tokens, 3, self.heads, dim // self.heads)
        query, key, value = qkv.permute(2, 0, 3, 1, 4)  # each (B, heads, T, dim / heads)
        weights = (query @ key.transpose(-2, -1) / math.sqrt(query.shape[-1])).softmax(dim=-1)
        return self.proj((weights @ value).transpose(1, 2).reshape(batch, tokens, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attention(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class VisionTransformer(nn.Module):
    """A tiny 2D ViT with a class token; ``features`` is the final class token (B, dim).

    Images smaller than ``image_size`` (DINO's local crops) are allowed when the patch grid
    shrinks by an integer factor: their position embeddings are average-pooled from the grid.
    """

    def __init__(
        self,
        image_size: int = 64,
        patch_size: int = 8,
        in_channels: int = 1,
        dim: int = 96,
        depth: int = 4,
        heads: int = 3,
    ):
        super().__init__()
        self.patch_size = patch_size
        self.grid = image_size // patch_size
        self.dim = dim
        self.patch_embed = nn.Conv2d(in_channels, dim, patch_size, stride=patch_size)
        self.position = nn.Parameter(torch.randn(1, self.grid * self.grid, dim) * 0.02)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.blocks = nn.ModuleList([TransformerBlock(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)

    def position_embedding(self, grid: int) -> torch.Tensor:
        """(1, grid * grid, dim) position embeddings for a ``grid`` x ``grid`` patch layout."""
        if grid == self.grid:
            return self.position
        table = self.position.transpose(1, 2).reshape(1, self.dim, self.grid, self.grid)
        table = F.avg_pool2d(table, kernel_size=self.grid // grid)
        return table.flatten(2).transpose(1, 2)

    def patch_tokens(self, images: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) -> (B, N, dim) patch embeddings with positions added."""
        tokens = self.patch_embed(images).flatten(2).transpose(1, 2)
        return tokens + self.position_embedding(images.shape[-1] // self.patch_size)

    def encode(self, tokens: torch.Tensor) -> torch.Tensor:
        """Prepend the class token and run the blocks: (B, N, dim) -> (B, 1 + N, dim)."""
        tokens = torch.cat([self.cls_token.expand(tokens.shape[0], -1, -1), tokens], dim=1)
        for block in self.blocks:
            tokens = block(tokens)
        return self.norm(tokens)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.encode(self.patch_tokens(images))

    def features(self, images: torch.Tensor) -> torch.Tensor:
        return self.forward(images)[:, 0]
