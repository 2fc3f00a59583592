"""DINO self-distillation with a Vision Transformer, as adapted to chest X-rays by DINO-CXR.

Shakouri et al. "DINO-CXR". https://arxiv.org/abs/2308.00475 (2023). Catalog id:
``shakouri2023-dino-cxr``. The method is DINO: Caron, Touvron, Misra, Jegou, Mairal, Bojanowski,
Joulin. "Emerging Properties in Self-Supervised Vision Transformers". ICCV 2021.
https://arxiv.org/abs/2104.14294.

DINO (Caron et al., Sec. 3.1): a *student* network is trained to match the output
distribution of a *teacher* with the same architecture, across different crops of one image.
The teacher sees only the large "global" crops, the student also sees small "local" crops
(multi-crop), which teaches local-to-global correspondence. The teacher is not trained by
gradients: its weights are an exponential moving average of the student's. Collapse is
avoided by *centering* (subtracting a running mean of teacher outputs) and *sharpening* (a
low teacher temperature). Three schedules (Caron et al., Sec. 3.1 and App.): the learning
rate warms up linearly and decays by a cosine (the harness's schedule), the teacher momentum
rises from its start value to 1 by a cosine, and the teacher temperature warms up linearly
over the first part of training. Augmentations here are X-ray friendly: crops, flips and mild
intensity changes, no colour jitter. Under DDP the center is all-reduced, so every rank
centres with the same statistics of the whole global batch.
"""

from __future__ import annotations

import copy
import math
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
    VisionTransformer,
    all_reduce_mean,
    dino_loss,
    dino_teacher_probabilities,
    ema_update,
    expect_no_collapse,
    expect_shape,
    intensity_jitter,
    random_resized_crop_2d,
    reference_main,
    run_smoke_check,
)


@dataclass
class DinoConfig(TrainingConfig):
    image_size: int = 64  # global crop side (224 in the paper)
    local_size: int = 32  # local crop side (96 in the paper); must divide the patch grid evenly
    local_crops: int = 4  # small crops per image (the paper: 6 to 10)
    global_scale: tuple[float, float] = (0.4, 1.0)  # area fraction of global crops (paper's)
    local_scale: tuple[float, float] = (0.2, 0.5)  # paper: 0.05-0.4; tiny crops of these
    # near-identical X-rays carry too little to match the teacher, and the run drifts to collapse
    patch_size: int = 8  # an 8x8 grid on global crops, 4x4 on local ones
    dim: int = 96  # ViT width (ViT-S: 384); small enough to train on a CPU
    depth: int = 4  # transformer blocks (ViT-S: 12); enough to learn at this size
    heads: int = 3  # 3 heads of 32 channels (ViT-S: 6 of 64); fewer heads for a narrow ViT
    prototypes: int = 64  # output dimension K (65536 in the paper); few images, few modes
    head_hidden: int = 128  # DINO head MLP width (2048 in the paper)
    bottleneck: int = 64  # before the weight-normalised prototype layer (256 in the paper)
    student_temperature: float = 0.1  # the paper's value
    teacher_temperature: float = 0.02  # sharpening after warm-up (paper: 0.04-0.07); these
    # X-rays are far more alike than photos, and at 0.04 the teacher flattens within 200 steps
    teacher_temperature_start: float = 0.01  # warm-up start; the paper warms 0.04 -> 0.07
    teacher_temperature_warmup: float = 0.3  # share of the run the warm-up takes (paper: 30 epochs)
    center_momentum: float = 0.9  # running mean for centering (paper's value)
    teacher_momentum: float = 0.99  # start of the cosine to 1 (paper: 0.996, for 100s of epochs;
    # 200 steps need a teacher that moves more)
    learning_rate: float = 2e-4  # AdamW at batch 8; higher rates collapse within 200 steps

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (1, self.image_size, self.image_size)


# --- Transform: multi-crop (Caron et al., Sec. 3.1) ----------------------------------------------


def make_batch(source: ImageSource, config: DinoConfig, generator: torch.Generator) -> Batch:
    images = source.sample(config.batch_size, (config.image_size,) * 2, generator)

    def view(size: int, scale: tuple[float, float]) -> torch.Tensor:
        crop = random_resized_crop_2d(images, generator, size, scale, horizontal_flip=True)
        return intensity_jitter(crop, generator)

    global_views = torch.stack([view(config.image_size, config.global_scale) for _ in range(2)])
    local_views = torch.stack([view(config.local_size, config.local_scale) for _ in range(config.local_crops)])
    return {"global_views": global_views, "local_views": local_views}  # (2 or L, B, 1, S, S)


# --- Model: backbone + DINO head, for the student and its EMA teacher ---------------------------


class DinoHead(nn.Module):
    """MLP, L2-normalised bottleneck, then a weight-normalised linear layer to K prototypes.

    The MLP uses DINO's optional BatchNorm (batch statistics only, so no buffers for DDP):
    these synthetic X-rays start with nearly identical ViT features, centering then flattens
    the teacher to uniform, and without batch centring the student never breaks symmetry.
    """

    def __init__(self, dim: int, hidden: int, bottleneck: int, prototypes: int):
        super().__init__()
        self.mlp = nn.Sequential(
            nn.Linear(dim, hidden),
            nn.BatchNorm1d(hidden, track_running_stats=False),
            nn.GELU(),
            nn.Linear(hidden, hidden),
            nn.BatchNorm1d(hidden, track_running_stats=False),
            nn.GELU(),
            nn.Linear(hidden, bottleneck),
        )
        self.prototypes = nn.Parameter(torch.randn(prototypes, bottleneck) * 0.02)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.normalize(self.mlp(x), dim=-1)
        return x @ F.normalize(self.prototypes, dim=-1).T  # (N, K)


class DinoTask(nn.Module):
    def __init__(self, config: DinoConfig):
        super().__init__()
        self.config = config
        self.student = VisionTransformer(
            config.image_size, config.patch_size, 1, config.dim, config.depth, config.heads
        )
        self.student_head = DinoHead(config.dim, config.head_hidden, config.bottleneck, config.prototypes)
        self.teacher = copy.deepcopy(self.student).requires_grad_(False)
        self.teacher_head = copy.deepcopy(self.student_head).requires_grad_(False)
        self.register_buffer("center", torch.zeros(1, config.prototypes))
        self.register_buffer("center_ready", torch.tensor(False))
        self.temperature = config.teacher_temperature_start  # follows ``set_progress``
        self.momentum = config.teacher_momentum

    def set_progress(self, fraction: float) -> None:
        """DINO's schedules: teacher temperature warm-up, teacher momentum cosine to 1."""
        c = self.config
        warmup = min(1.0, fraction / c.teacher_temperature_warmup) if c.teacher_temperature_warmup > 0 else 1.0
        self.temperature = c.teacher_temperature_start + warmup * (c.teacher_temperature - c.teacher_temperature_start)
        self.momentum = 1 - (1 - c.teacher_momentum) * (math.cos(math.pi * fraction) + 1) / 2

    @property
    def encoder(self) -> nn.Module:
        """The teacher backbone: DINO evaluates the teacher, which is the better of the two."""
        return self.teacher

    def student_logits(self, views: torch.Tensor) -> torch.Tensor:
        """(V, B, 1, S, S) -> (V, B, K); all views of one size go through in one batch."""
        count, batch = views.shape[:2]
        return self.student_head(self.student.features(views.flatten(0, 1))).view(count, batch, -1)

    @torch.no_grad()
    def teacher_probabilities(self, views: torch.Tensor) -> torch.Tensor:
        """Centered, sharpened teacher distribution (V, B, K); updates the center."""
        count, batch = views.shape[:2]
        logits = self.teacher_head(self.teacher.features(views.flatten(0, 1))).float()
        batch_mean = all_reduce_mean(logits.mean(dim=0, keepdim=True))  # the mean over all ranks
        if not self.center_ready:
            # The paper starts the center at 0 and lets the EMA catch up over ~10 steps; at the
            # start all these similar X-rays give one output, so an uncentered, sharpened
            # teacher is briefly trivial to match. Starting from the first batch's mean skips
            # that transient, so the loss is meaningful (and falls) from the first step.
            self.center.copy_(batch_mean)
            self.center_ready.fill_(True)
        probabilities = dino_teacher_probabilities(logits, self.center, self.temperature)
        # Center update (Caron et al., Eq. 4), with the batch mean of every rank's outputs.
        momentum = self.config.center_momentum
        self.center.mul_(momentum).add_(batch_mean, alpha=1 - momentum)
        return probabilities.view(count, batch, -1)

    @torch.no_grad()
    def after_optimizer_step(self) -> None:
        """Teacher = EMA of the student (Caron et al., Sec. 3.1, "Teacher network")."""
        ema_update(self.teacher, self.student, self.momentum)
        ema_update(self.teacher_head, self.student_head, self.momentum)

    # --- Loss: cross-entropy between teacher and student over crop pairs (Eq. 3) ---------------

    def forward(self, global_views: torch.Tensor, local_views: torch.Tensor) -> torch.Tensor:
        teacher = self.teacher_probabilities(global_views)  # (2, B, K)
        student = torch.cat([self.student_logits(global_views), self.student_logits(local_views)])
        return dino_loss(teacher, student, self.config.student_temperature)


RECIPE = Recipe(
    name="dino",
    config=DinoConfig(),
    smoke_config=DinoConfig(
        steps=60,
        batch_size=8,
        image_size=32,
        local_size=16,
        local_crops=2,
        dim=32,
        depth=2,
        heads=2,
        prototypes=64,
        head_hidden=64,
        bottleneck=32,
        learning_rate=1e-3,
        teacher_momentum=0.9,
    ),
    build_task=DinoTask,
    make_batch=make_batch,
    data_dimension=2,
    probe_data="chest-xray",
)


def smoke_check(device: str = "cpu", data: str = "synthetic") -> SmokeResult:
    """Student outputs (V, B, K) for global and local crops; teacher outputs sum to 1."""

    def check_outputs(task: nn.Module, batch: Batch) -> None:
        prototypes = RECIPE.smoke_config.prototypes
        local = task.student_logits(batch["local_views"])
        expect_shape(local, (*batch["local_views"].shape[:2], prototypes), "student logits")
        teacher = task.teacher_probabilities(batch["global_views"])
        assert torch.allclose(teacher.sum(dim=-1), torch.ones_like(teacher[..., 0]), atol=1e-4)

    def check_pretext(task: nn.Module, batches: list[Batch]) -> dict[str, float]:
        """Held-out: the teacher does not collapse (one prototype for all, or one output)."""
        views = torch.cat([b["global_views"] for b in batches], dim=1)  # (2, N, 1, S, S)
        probabilities = task.teacher_probabilities(views).flatten(0, 1)
        bottleneck = task.teacher_head.mlp(task.teacher.features(views.flatten(0, 1)))  # (2N, bottleneck)
        return expect_no_collapse(probabilities, bottleneck, min_entropy_share=0.4)

    return run_smoke_check(RECIPE, check_outputs, device, data, check_pretext=check_pretext)


def main(argv: list[str] | None = None) -> int:
    return reference_main(RECIPE, argv)


if __name__ == "__main__":
    raise SystemExit(main())
