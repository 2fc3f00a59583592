"""The shared harness: everything a reference needs that is not the method itself.

Device choice, seeding, synthetic and real data, backbones, the step loop, checkpoints, DDP,
the probe and the smoke check. It knows no method; each method module imports from here only.
"""

from runnable_refs.errors import DataUnavailableError
from runnable_refs.harness.augment import intensity_jitter, random_resized_crop_2d
from runnable_refs.harness.device import autocast, choose_device
from runnable_refs.harness.networks import (
    ConvBlock,
    ConvEncoder,
    TransformerBlock,
    UNet,
    VisionTransformer,
)
from runnable_refs.harness.probe import auroc
from runnable_refs.harness.recipe import PretrainResult, Recipe, pretrain, reference_main
from runnable_refs.harness.reproducibility import (
    data_generator,
    deterministic_cross_entropy,
    seed_everything,
)
from runnable_refs.harness.smoke import SmokeResult, expect_shape, run_smoke_check
from runnable_refs.harness.sources import ImageSource, SyntheticSource, open_source
from runnable_refs.harness.training import Batch, TrainingConfig

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
    "auroc",
    "autocast",
    "choose_device",
    "data_generator",
    "deterministic_cross_entropy",
    "expect_shape",
    "intensity_jitter",
    "open_source",
    "pretrain",
    "random_resized_crop_2d",
    "reference_main",
    "run_smoke_check",
    "seed_everything",
]
