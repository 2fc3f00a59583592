"""The shared harness: everything a reference needs that is not the method itself.

Device choice, seeding, synthetic and real data (MONAI for files), backbones, the step loop
and its schedule, checkpoints, DDP, the shared objectives, the probe, export and fine-tuning,
and the smoke check with its pretext criteria. It knows no method; each method module imports from here only.
"""

from runnable_refs.errors import DataUnavailableError
from runnable_refs.harness.augment import intensity_jitter, random_resized_crop_2d
from runnable_refs.harness.commands import reference_main
from runnable_refs.harness.criteria import (
    accuracy,
    expect_above_chance,
    expect_beats_baselines,
    expect_no_collapse,
    expect_restoration_beats_baselines,
    masked_error,
    mean_baseline,
    retrieval_top1,
)
from runnable_refs.harness.device import autocast, choose_device
from runnable_refs.harness.distributed import all_reduce_mean, concat_all_gather, rank_and_world
from runnable_refs.harness.networks import (
    ConvBlock,
    ConvEncoder,
    TransformerBlock,
    UNet,
    VisionTransformer,
)
from runnable_refs.harness.objectives import (
    dino_loss,
    dino_teacher_probabilities,
    ema_update,
    info_nce,
    nt_xent,
)
from runnable_refs.harness.probe import auroc
from runnable_refs.harness.recipe import PretrainResult, Recipe, pretrain
from runnable_refs.harness.reproducibility import (
    data_generator,
    deterministic_cross_entropy,
    seed_everything,
)
from runnable_refs.harness.smoke import SmokeResult, expect_shape, run_smoke_check
from runnable_refs.harness.sources import ImageSource, SyntheticSource, open_source
from runnable_refs.harness.training import Batch, TrainingConfig, load_checkpoint, train
from runnable_refs.harness.volumes import random_crop

__all__ = [
    "Batch",
    "ConvBlock",
    "ConvEncoder",
    "DataUnavailableError",
    "ImageSource",
    "PretrainResult",
    "Recipe",
    "SmokeResult",
    "SyntheticSource",
    "TrainingConfig",
    "TransformerBlock",
    "UNet",
    "VisionTransformer",
    "accuracy",
    "all_reduce_mean",
    "auroc",
    "autocast",
    "choose_device",
    "concat_all_gather",
    "data_generator",
    "deterministic_cross_entropy",
    "dino_loss",
    "dino_teacher_probabilities",
    "ema_update",
    "expect_above_chance",
    "expect_beats_baselines",
    "expect_no_collapse",
    "expect_restoration_beats_baselines",
    "expect_shape",
    "info_nce",
    "intensity_jitter",
    "load_checkpoint",
    "masked_error",
    "mean_baseline",
    "nt_xent",
    "open_source",
    "pretrain",
    "random_crop",
    "random_resized_crop_2d",
    "rank_and_world",
    "reference_main",
    "retrieval_top1",
    "run_smoke_check",
    "seed_everything",
    "train",
]
