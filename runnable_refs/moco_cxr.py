"""MoCo-CXR: momentum contrast pretraining for chest X-rays.

Sowrirajan, Yang, Ng, Irvin, Rajpurkar. "MoCo Pretraining Improves Representation and
Transferability of Chest X-ray Models". MIDL 2021. https://arxiv.org/abs/2010.05352. Catalog id:
``sowrirajan2021-moco-cxr``. The method is MoCo v2 (He et al., CVPR 2020,
https://arxiv.org/abs/1911.05722; Chen et al., https://arxiv.org/abs/2003.04297).

MoCo (He et al., Sec. 3): contrastive learning as a dictionary look-up. A query encoder embeds
one augmented view; a *momentum encoder*, an exponential moving average of the query encoder,
embeds another view of the same image as the positive key; a *queue* of keys from earlier
batches supplies the negatives. The loss is InfoNCE. MoCo-CXR's change for X-rays: no colour
jitter, grey-scale or blur; instead small random rotations (10 degrees) and horizontal flips,
which keep the images plausible radiographs.
"""

from __future__ import annotations

import copy
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
    concat_all_gather,
    ema_update,
    expect_above_chance,
    expect_shape,
    info_nce,
    random_resized_crop_2d,
    reference_main,
    retrieval_top1,
    run_smoke_check,
)


@dataclass
class MocoCxrConfig(TrainingConfig):
    image_size: int = 64  # MoCo-CXR trains at 224 px; 64 keeps the demo on a CPU
    widths: tuple[int, ...] = (16, 32, 64, 128)  # conv encoder (the paper: ResNet18/DenseNet121)
    projection_dim: int = 64  # MoCo v2's MLP head output (128 in the paper)
    queue_size: int = 1024  # negatives; MoCo uses 65536, but 200 steps x 8 images fill only 1600
    temperature: float = 0.2  # MoCo v2's value
    momentum: float = 0.99  # MoCo's 0.999 barely moves the key encoder within a 200-step demo
    rotation_degrees: float = 10.0  # MoCo-CXR's augmentation: random rotation of up to 10 degrees
    crop_scale: tuple[float, float] = (0.6, 1.0)  # mild random crops, so anatomy stays in view
    batch_size: int = 16  # more in-batch keys per step, each is a fresh negative for the queue
    key_bn_groups: int = 2  # shuffle-BN stand-in: keys are normalised in this many shuffled groups

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (1, self.image_size, self.image_size)


# --- Transform: two MoCo-CXR augmented views of each X-ray ---------------------------------------


def moco_cxr_view(images: torch.Tensor, config: MocoCxrConfig, generator: torch.Generator):
    """Random crop, rotation up to ``rotation_degrees`` and horizontal flip: (B, 1, S, S)."""
    return random_resized_crop_2d(
        images,
        generator,
        config.image_size,
        config.crop_scale,
        config.rotation_degrees,
        horizontal_flip=True,
    )


def make_batch(source: ImageSource, config: MocoCxrConfig, generator: torch.Generator) -> Batch:
    images = source.sample(config.batch_size, (config.image_size,) * 2, generator)
    return {
        "queries": moco_cxr_view(images, config, generator),
        "keys": moco_cxr_view(images, config, generator),
    }


# --- Model: query encoder, momentum key encoder and queue (He et al., Sec. 3.2) -----------------


class ProjectionHead(nn.Sequential):
    """MoCo v2's two-layer MLP head, with a batch-statistics BatchNorm in the middle.

    The paper's ResNet/DenseNet encoders contain BatchNorm; the harness's GroupNorm encoder
    does not. Without any batch centring, these very similar X-rays all start at nearly the
    same embedding (cosine ~0.99) and training stalls; the BatchNorm here removes the shared
    component. It keeps no running statistics, so there is no buffer for DDP to synchronise.
    """

    def __init__(self, width: int, out: int):
        super().__init__(
            nn.Linear(width, width),
            nn.BatchNorm1d(width, track_running_stats=False),
            nn.GELU(),
            nn.Linear(width, out),
        )


class MocoCxrTask(nn.Module):
    def __init__(self, config: MocoCxrConfig):
        super().__init__()
        self.temperature, self.momentum = config.temperature, config.momentum
        self.key_bn_groups = config.key_bn_groups
        self.encoder = ConvEncoder(2, 1, config.widths)
        self.head = ProjectionHead(self.encoder.out_channels, config.projection_dim)
        # The key encoder starts as a copy and then only follows by EMA: no gradients.
        self.key_encoder = copy.deepcopy(self.encoder).requires_grad_(False)
        self.key_head = copy.deepcopy(self.head).requires_grad_(False)
        queue = F.normalize(torch.randn(config.queue_size, config.projection_dim), dim=1)
        self.register_buffer("queue", queue)  # (K, projection_dim) of past keys
        self.register_buffer("queue_pointer", torch.zeros((), dtype=torch.long))

    def embed_queries(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.head(self.encoder.features(images)).float(), dim=1)  # (B, E)

    @torch.no_grad()
    def embed_keys(self, images: torch.Tensor) -> torch.Tensor:
        """Key embeddings (B, E), with MoCo's shuffle-BN done within this process.

        He et al. (Sec. 3.3) shuffle the key batch across GPUs so that a query and its key
        never share BatchNorm statistics, which would leak the positive and let the model
        cheat. The encoder here has GroupNorm; the projection head has the one BatchNorm. The
        stand-in: keys go through it in ``key_bn_groups`` groups of a random permutation, so
        each key's statistics come from other images than its query's batch, then are put back
        in order. It works the same on one process or many, with no cross-rank shuffle.
        """
        order = torch.randperm(len(images), device=images.device)
        groups = [self.key_head(self.key_encoder.features(part)) for part in images[order].chunk(self.key_bn_groups)]
        shuffled = torch.cat(groups).float()
        keys = torch.empty_like(shuffled)
        keys[order] = shuffled  # unshuffle
        return F.normalize(keys, dim=1)

    @torch.no_grad()
    def enqueue(self, keys: torch.Tensor) -> None:
        """Replace the oldest keys (a ring buffer) with this step's keys *of every rank*.

        MoCo's ``concat_all_gather``: under DDP each rank enqueues all ranks' keys in rank
        order, so the queues stay identical and hold world_size x B new negatives per step.
        """
        keys = concat_all_gather(keys)
        start, size = int(self.queue_pointer), self.queue.shape[0]
        index = (torch.arange(len(keys), device=keys.device) + start) % size
        self.queue[index] = keys
        self.queue_pointer.fill_((start + len(keys)) % size)

    @torch.no_grad()
    def after_optimizer_step(self) -> None:
        """Momentum update (He et al., Eq. 2): key = m * key + (1 - m) * query."""
        ema_update(self.key_encoder, self.encoder, self.momentum)
        ema_update(self.key_head, self.head, self.momentum)

    # --- Loss: InfoNCE over one positive key and the queue's negatives (He et al., Eq. 1) -------

    def forward(self, queries: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        q, k = self.embed_queries(queries), self.embed_keys(keys)  # (B, E) each
        # One positive against the queue's K negatives (He et al., Eq. 1: the in-batch keys are
        # not negatives). A copy of the queue, since enqueue edits it.
        loss = info_nce(q, k, self.temperature, negatives=self.queue.clone(), in_batch_negatives=False)
        self.enqueue(k)
        return loss


RECIPE = Recipe(
    name="moco_cxr",
    config=MocoCxrConfig(),
    smoke_config=MocoCxrConfig(
        steps=60,
        batch_size=16,
        image_size=32,
        widths=(8, 16, 32),
        projection_dim=32,
        queue_size=16,
        momentum=0.9,
        learning_rate=3e-3,
    ),
    build_task=MocoCxrTask,
    make_batch=make_batch,
    data_dimension=2,
    probe_data="chest-xray",
)


def smoke_check(device: str = "cpu", data: str = "synthetic") -> SmokeResult:
    """Query and key embeddings are unit vectors (B, E); the queue keeps its size; loss falls."""

    def check_outputs(task: nn.Module, batch: Batch) -> None:
        embeddings = task.embed_queries(batch["queries"])
        expect_shape(
            embeddings,
            (len(batch["queries"]), RECIPE.smoke_config.projection_dim),
            "query embeddings",
        )
        assert torch.allclose(embeddings.norm(dim=1), torch.ones(len(embeddings), device=embeddings.device))
        expect_shape(task.queue, (RECIPE.smoke_config.queue_size, embeddings.shape[1]), "queue")

    def check_pretext(task: nn.Module, batches: list[Batch]) -> dict[str, float]:
        """Held-out: each query retrieves its own key among the batch's keys (chance 1/B)."""
        scores = [retrieval_top1(task.embed_queries(b["queries"]), task.embed_keys(b["keys"])) for b in batches]
        chance = 1 / len(batches[0]["queries"])
        return expect_above_chance("positive retrieval", sum(scores) / len(scores), chance, 0.3)

    return run_smoke_check(RECIPE, check_outputs, device, data, check_pretext=check_pretext)


def main(argv: list[str] | None = None) -> int:
    return reference_main(RECIPE, argv)


if __name__ == "__main__":
    raise SystemExit(main())
