"""Masked autoencoder (ViT-MAE) pretraining on chest X-rays, as in the COVID-19 MAE study.

Xing et al., Bioengineering (2023): self-supervised ViT-MAE pretraining on chest X-rays for
COVID-19 classification. Catalog id: ``xing2023-mae-covid-cxr`` (full reference there). The
method is MAE: He, Chen, Xie, Li, Dollar, Girshick. "Masked Autoencoders Are Scalable Vision
Learners". CVPR 2022. https://arxiv.org/abs/2111.06377.

MAE (He et al., Sec. 3): cut the image into patches and hide a random subset (He et al.: 75%;
Xing et al. found 40% best for chest X-rays, and this reference follows them); a
ViT *encoder* sees only the visible patches (no mask tokens), a small *decoder* gets the encoded
visible patches plus a shared learned mask token at every hidden position, and reconstructs the
pixels. The loss is the mean squared error on the masked patches only, against per-patch
normalised pixels. After pretraining the decoder is dropped and the encoder fine-tuned.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from runnable_refs.harness import (
    Batch,
    ImageSource,
    Recipe,
    SmokeResult,
    TrainingConfig,
    TransformerBlock,
    VisionTransformer,
    expect_beats_baselines,
    expect_shape,
    reference_main,
    run_smoke_check,
)


@dataclass
class MaeConfig(TrainingConfig):
    image_size: int = 64  # 224 in the papers; 64 keeps the demo on a CPU
    patch_size: int = 8  # an 8x8 grid of patches, as coarse relative to the image as ViT-B/16
    mask_ratio: float = 0.4  # Xing et al. (abstract): "ratio = 0.4 shows the best performance" on
    # chest X-rays; He et al.'s 0.75 suits photographs, which are more redundant
    dim: int = 96  # encoder width (ViT-B: 768)
    depth: int = 4  # encoder blocks (ViT-B: 12)
    heads: int = 3  # 3 heads of 32 channels (ViT-S: 6 of 64); fewer heads for a narrow ViT
    decoder_dim: int = 64  # the decoder is narrower than the encoder (He et al., "MAE decoder")
    decoder_depth: int = 2  # ... and shallower
    normalize_target: bool = True  # per-patch normalised pixels: better features (He et al.)
    learning_rate: float = 1e-3  # AdamW; transformers from scratch dislike much more at batch 8

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (1, self.image_size, self.image_size)

    @property
    def patches(self) -> int:
        return (self.image_size // self.patch_size) ** 2


# --- Transform: random masking (He et al., Sec. 3, "Masking") ------------------------------------


def random_masking(
    count: int, patches: int, mask_ratio: float, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per image, a random subset of patch indices to keep and the full shuffle order.

    Returns ``keep`` (B, N_keep) sorted visible indices and ``mask`` (B, N) bool, True where a
    patch is hidden. Exactly ``round(N * mask_ratio)`` patches are hidden in every image.
    """
    hidden = round(patches * mask_ratio)
    order = torch.rand((count, patches), generator=generator).argsort(dim=1)
    keep = order[:, : patches - hidden].sort(dim=1).values
    mask = torch.ones((count, patches), dtype=torch.bool)
    mask.scatter_(1, keep, False)
    return keep, mask


def patchify(images: torch.Tensor, patch_size: int) -> torch.Tensor:
    """(B, C, H, W) -> (B, N, patch_size^2 * C), patches in row-major order."""
    b, c, h, w = images.shape
    grid = images.view(b, c, h // patch_size, patch_size, w // patch_size, patch_size)
    return grid.permute(0, 2, 4, 3, 5, 1).reshape(b, (h // patch_size) * (w // patch_size), -1)


def unpatchify(patches: torch.Tensor, patch_size: int, channels: int = 1) -> torch.Tensor:
    """The inverse of ``patchify`` for square images."""
    b, n, _ = patches.shape
    side = int(n**0.5)
    grid = patches.view(b, side, side, patch_size, patch_size, channels)
    return grid.permute(0, 5, 1, 3, 2, 4).reshape(b, channels, side * patch_size, side * patch_size)


def make_batch(source: ImageSource, config: MaeConfig, generator: torch.Generator) -> Batch:
    images = source.sample(config.batch_size, (config.image_size,) * 2, generator)
    keep, mask = random_masking(config.batch_size, config.patches, config.mask_ratio, generator)
    return {"images": images, "keep": keep, "mask": mask}


def normalised_patches(images: torch.Tensor, config: MaeConfig) -> torch.Tensor:
    """The reconstruction target: patches (B, N, p^2), each normalised by its own mean and std."""
    target = patchify(images, config.patch_size)
    if config.normalize_target:
        mean, var = target.mean(dim=-1, keepdim=True), target.var(dim=-1, keepdim=True)
        target = (target - mean) / (var + 1e-6).sqrt()
    return target


def masked_patch_loss(prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean squared error over the *masked* patches only (He et al., Sec. 3): (B, N, P), mask (B, N)."""
    per_patch = ((prediction - target) ** 2).mean(dim=-1)  # (B, N)
    return (per_patch * mask).sum() / mask.sum()


# --- Model: encoder on visible patches, light decoder with mask tokens (He et al., Sec. 3) ------


class MaeTask(nn.Module):
    def __init__(self, config: MaeConfig):
        super().__init__()
        self.config = config
        self.encoder = VisionTransformer(
            config.image_size, config.patch_size, 1, config.dim, config.depth, config.heads
        )
        self.decoder_embed = nn.Linear(config.dim, config.decoder_dim)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, config.decoder_dim))
        position = torch.randn(1, config.patches, config.decoder_dim) * 0.02
        self.decoder_position = nn.Parameter(position)
        self.decoder = nn.ModuleList(
            [TransformerBlock(config.decoder_dim, heads=2) for _ in range(config.decoder_depth)]
        )
        self.decoder_norm = nn.LayerNorm(config.decoder_dim)
        self.to_pixels = nn.Linear(config.decoder_dim, config.patch_size**2)

    def reconstruct(self, images: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        """Predicted pixels of every patch (B, N, patch_size^2) from the visible ones."""
        tokens = self.encoder.patch_tokens(images)  # (B, N, dim)
        index = keep[..., None].expand(-1, -1, tokens.shape[-1])
        encoded = self.encoder.encode(torch.gather(tokens, 1, index))  # (B, 1 + N_keep, dim)
        visible = self.decoder_embed(encoded[:, 1:])  # drop the class token: (B, N_keep, d)
        batch, patches = images.shape[0], self.config.patches
        # Every position starts as the mask token; visible positions get their encoded patch.
        full = self.mask_token.expand(batch, patches, -1).to(visible.dtype)
        full = full.scatter(1, keep[..., None].expand(-1, -1, visible.shape[-1]), visible)
        x = full + self.decoder_position
        for block in self.decoder:
            x = block(x)
        return self.to_pixels(self.decoder_norm(x))

    # --- Loss: MSE on the masked patches only (He et al., Sec. 3, "Reconstruction target") ----

    def forward(self, images: torch.Tensor, keep: torch.Tensor, mask: torch.Tensor):
        prediction = self.reconstruct(images, keep).float()
        target = normalised_patches(images, self.config)
        return masked_patch_loss(prediction, target, mask)


RECIPE = Recipe(
    name="mae",
    config=MaeConfig(),
    smoke_config=MaeConfig(
        steps=80,
        batch_size=8,
        image_size=32,
        patch_size=8,
        dim=32,
        depth=2,
        heads=2,
        decoder_dim=32,
        decoder_depth=1,
        learning_rate=2e-3,
    ),
    build_task=MaeTask,
    make_batch=make_batch,
    data_dimension=2,
    probe_data="chest-xray",
)


def smoke_check(device: str = "cpu", data: str = "synthetic") -> SmokeResult:
    """Every patch gets a prediction (B, N, p^2); ``mask_ratio`` of them are hidden; the loss
    scores only those, and on held-out images explains at least half of their variance."""

    def check_outputs(task: nn.Module, batch: Batch) -> None:
        config = RECIPE.smoke_config
        prediction = task.reconstruct(batch["images"], batch["keep"])
        expect_shape(
            prediction,
            (len(batch["images"]), config.patches, config.patch_size**2),
            "reconstructed patches",
        )
        hidden = round(config.patches * config.mask_ratio)
        assert bool((batch["mask"].sum(dim=1) == hidden).all()), "wrong number of hidden patches"

    def check_pretext(task: nn.Module, batches: list[Batch]) -> dict[str, float]:
        """Masked patches only, in the normalised target space, where predicting each patch's own
        mean scores about 1 (the variance). The model must explain half of it (R^2 >= 0.5): a
        decoder that never learned to fill masked patches from context stays near 0.5-1."""
        images, keep = torch.cat([b["images"] for b in batches]), torch.cat([b["keep"] for b in batches])
        mask = torch.cat([b["mask"] for b in batches])
        target = normalised_patches(images, RECIPE.smoke_config)
        # The loss itself must score the masked patches only: exact there, wrong elsewhere, is 0.
        exact_where_masked = torch.where(mask[..., None], target, target + 1.0)
        assert float(masked_patch_loss(exact_where_masked, target, mask)) == 0.0, "the loss scores visible patches"
        baselines = {"patch mean": float(masked_patch_loss(torch.zeros_like(target), target, mask))}
        model = float(masked_patch_loss(task.reconstruct(images, keep), target, mask))
        return expect_beats_baselines("masked-patch", model, baselines, ratio=0.5)

    return run_smoke_check(RECIPE, check_outputs, device, data, check_pretext=check_pretext)


def main(argv: list[str] | None = None) -> int:
    return reference_main(RECIPE, argv)


if __name__ == "__main__":
    raise SystemExit(main())
