"""Fine-tune an exported encoder on a labelled task and score it against random initialisation.

* ``segmentation`` (3D encoders): a Swin encoder goes into MONAI's ``SwinUNETR`` (its
  ``swinViT`` weights load by name); a pretrained U-Net (Models Genesis) keeps encoder and
  decoder and gets a new output layer, as the paper fine-tunes; a conv encoder goes into the
  harness ``UNet`` it was built from (MONAI's ``UNet`` has its own encoder layout, which these
  weights do not map onto); a vox2vec FPN gets a 1x1 head on its finest top-down map. Loss: MONAI's ``DiceCELoss``;
  metric: Dice on held-out volumes. Data: synthetic CT cubes with liver lesions, or the user's
  NIfTI image/label pairs (a ``.csv``/``.json`` list with ``image`` and ``label`` columns),
  through the same MONAI pipeline as pretraining (labels resampled nearest-neighbour).
* ``classification`` (2D or 3D): encoder + BatchNorm + linear head, the probe's fine-tuning,
  scored by AUROC on the method's synthetic lesion task (or a MedMNIST ``.npz``).

Both networks (pretrained and random init) have the same architecture, seed, data, minibatch
order and learning rates; only the encoder's starting weights differ.
"""

from __future__ import annotations

import copy
import csv
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from runnable_refs.errors import DataUnavailableError, UsageError
from runnable_refs.harness.device import autocast, choose_device
from runnable_refs.harness.export import build_encoder, load_encoder
from runnable_refs.harness.networks import UNet
from runnable_refs.harness.probe import fine_tune, labelled_data
from runnable_refs.harness.reproducibility import data_generator, seed_everything
from runnable_refs.harness.synthetic import synthetic_ct_volumes, window_hounsfield
from runnable_refs.harness.volumes import load_volume, random_crop, spatial_transforms
from runnable_refs.registry import get_reference


@dataclass
class FinetuneReport:
    """Scores of the fine-tuned pretrained encoder and of the same network from random init."""

    method: str
    task: str
    data: str
    metric: str
    train_count: int
    test_count: int
    steps: int
    pretrained: float
    random_init: float
    pretrain_steps: int

    def format(self) -> str:
        return "\n".join(
            [
                f"{self.method} fine-tuned for {self.task} on {self.data}",
                f"{self.train_count} labelled training samples, {self.test_count} test samples, "
                f"{self.steps} steps; metric: {self.metric}",
                f"{'pretrained':14}{self.pretrained:>8.3f}   (the exported encoder, {self.pretrain_steps} steps)",
                f"{'random init':14}{self.random_init:>8.3f}   (same network and seed, no pretraining)",
            ]
        )


# --- segmentation models around an encoder ------------------------------------------------------


class FpnSegmenter(nn.Module):
    """A 1x1 convolution on the finest top-down map of a feature pyramid backbone."""

    def __init__(self, encoder: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.head = nn.Conv3d(encoder.out_channels, 1, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder.pyramid(x)[0])


def segmentation_model(encoder: nn.Module, card: dict[str, Any]) -> nn.Module:
    """A 3D segmentation network (one output channel, logits) starting from ``encoder``."""
    if len(card["input_size"]) != 3:
        raise UsageError(f"{card['method']} is a 2D method; segmentation fine-tuning needs a 3D encoder")
    config = card["config"]
    if hasattr(encoder, "swinViT"):
        from monai.networks.nets import SwinUNETR

        model = SwinUNETR(
            in_channels=card["channels"],
            out_channels=1,
            feature_size=config["feature_size"],
            depths=tuple(config["depths"]),
            num_heads=tuple(config["num_heads"]),
            window_size=config["window_size"],
            spatial_dims=3,
        )
        missing = model.load_state_dict(encoder.state_dict(), strict=False)
        assert not missing.unexpected_keys, missing.unexpected_keys  # every encoder weight found its place
        return model
    if isinstance(encoder, UNet):  # a restorative method's whole U-Net: a new output layer
        model = copy.deepcopy(encoder)
        model.head = nn.Conv3d(model.decoder_channels, 1, kernel_size=1)
        return model
    if hasattr(encoder, "top_down"):
        return FpnSegmenter(copy.deepcopy(encoder))
    if hasattr(encoder, "stages") and getattr(encoder, "dimension", 3) == 3:
        model = UNet(3, card["channels"], 1, tuple(config["widths"]))
        model.encoder.load_state_dict(encoder.state_dict())
        return model
    raise UsageError(f"segmentation fine-tuning does not know how to decode a {type(encoder).__name__}")


# --- labelled 3D data -----------------------------------------------------------------------------


def synthetic_lesion_segmentation(count: int, shape: tuple[int, ...], seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """CT cubes (N, 1, *shape) in [0, 1] around a liver lesion (off-centre by up to a quarter
    of the side), and the lesion masks (N, 1, *shape): lesion segmentation at candidate scale."""
    generator = data_generator(seed + 54321)  # disjoint from the pretraining stream
    context = tuple(side * 3 // 2 for side in shape)  # room around each cube
    drawn = synthetic_ct_volumes(count, context, generator, has_lesion=torch.ones(count, dtype=torch.bool))
    images, masks = [], []
    for volume, lesion in zip(window_hounsfield(drawn.images), drawn.lesion_masks.float(), strict=True):
        centre = lesion[0].nonzero().float().mean(dim=0) if lesion.any() else torch.tensor(context) / 2
        region = [slice(None)]
        for c, side, full in zip(centre.tolist(), shape, context, strict=True):
            shift = int(torch.randint(-side // 4, side // 4 + 1, (1,), generator=generator))
            start = min(max(round(c) - side // 2 + shift, 0), full - side)
            region.append(slice(start, start + side))
        images.append(volume[tuple(region)])
        masks.append(lesion[tuple(region)])
    return torch.stack(images), torch.stack(masks)


def load_label(path: Path) -> torch.Tensor:
    """A label volume on the image grid: MONAI load, RAS, the same spacing, nearest-neighbour."""
    from monai.transforms import LoadImage

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MONAI's optional-decoder notices
        label = LoadImage(image_only=True, ensure_channel_first=True, reader="NibabelReader")(str(path))
    label = spatial_transforms()(label)  # bilinear, then thresholded: a nearest-like mask
    return (torch.as_tensor(label) > 0.5).float().permute(0, 3, 2, 1).flip(1, 2, 3).contiguous()


def labelled_pairs(data: str, shape: tuple[int, ...], count: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``count`` random crops (image, label) from the user's list of NIfTI image/label pairs."""
    path = Path(data)
    if not path.exists() or path.suffix.lower() not in (".csv", ".json"):
        raise DataUnavailableError(
            f"--data {data}: segmentation needs synthetic or a .csv/.json list with image and label columns"
        )
    if path.suffix.lower() == ".csv":
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
    else:
        loaded = json.loads(path.read_text())
        rows = loaded.get("training", []) if isinstance(loaded, dict) else loaded
    if not rows or not all("image" in row and "label" in row for row in rows):
        raise DataUnavailableError(f"--data {data}: every entry needs an image and a label")
    pairs = [(load_volume(path.parent / row["image"]), load_label(path.parent / row["label"])) for row in rows]
    generator = data_generator(seed)
    images, labels = [], []
    for _ in range(count):
        image, label = pairs[int(torch.randint(len(pairs), (1,), generator=generator))]
        crop = random_crop(torch.cat([image[:1], label[:1]]), shape, generator)
        images.append(crop[:1])
        labels.append(crop[1:])
    return torch.stack(images), torch.stack(labels)


def dice(probabilities: torch.Tensor, masks: torch.Tensor) -> float:
    """Mean Dice over samples of the 0.5-thresholded prediction (empty vs empty scores 1)."""
    prediction = (probabilities > 0.5).float().flatten(1)
    truth = masks.flatten(1)
    overlap = (prediction * truth).sum(dim=1)
    total = prediction.sum(dim=1) + truth.sum(dim=1)
    return float(torch.where(total > 0, 2 * overlap / total.clamp_min(1e-8), torch.ones_like(total)).mean())


def train_segmentation(
    model: nn.Module, encoder_names: set[str], data: tuple[torch.Tensor, ...], device: torch.device, steps: int
) -> float:
    """AdamW on DiceCE, the pretrained part at a lower learning rate; test Dice."""
    from monai.losses import DiceCELoss

    train_images, train_masks, test_images, test_masks = data
    model = model.to(device).train()
    encoder = [p for n, p in model.named_parameters() if n in encoder_names]
    rest = [p for n, p in model.named_parameters() if n not in encoder_names]
    optimizer = torch.optim.AdamW([{"params": encoder, "lr": 3e-4}, {"params": rest, "lr": 1e-3}], weight_decay=1e-4)
    loss_function = DiceCELoss(sigmoid=True)
    generator = data_generator(0)  # the same minibatch order for both networks
    for _ in range(steps):
        index = torch.randint(len(train_images), (2,), generator=generator)
        with autocast(device):
            loss = loss_function(model(train_images[index].to(device)).float(), train_masks[index].to(device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad(), autocast(device):
        logits = torch.cat([model(chunk.to(device)).float().cpu() for chunk in test_images.split(2)])
    return dice(torch.sigmoid(logits), test_masks)


def finetune(
    encoder_path: Path,
    task: str,
    data: str = "synthetic",
    device: str = "auto",
    steps: int = 60,
    train_count: int = 16,
    seed: int = 0,
    test_count: int = 16,
) -> FinetuneReport:
    """Fine-tune the exported encoder and its random-init twin; return both scores."""
    torch_device = choose_device(device)
    pretrained = load_encoder(encoder_path)
    card = pretrained.card
    seed_everything(seed)
    random_init = build_encoder(card)  # exactly where pretraining started
    scores = {}
    if task == "segmentation":
        shape = tuple(card["input_size"])
        if len(shape) != 3:
            raise UsageError(f"{card['method']} is a 2D method; segmentation fine-tuning needs a 3D encoder")
        if data == "synthetic":
            labelled = (
                *synthetic_lesion_segmentation(train_count, shape, seed),
                *synthetic_lesion_segmentation(test_count, shape, seed + 1),
            )
            description = "synthetic CT cubes around a liver lesion: segment it"
        else:
            images, masks = labelled_pairs(data, shape, train_count + test_count, seed)
            labelled = (images[:train_count], masks[:train_count], images[train_count:], masks[train_count:])
            description = f"{Path(data).name} (image/label pairs)"
        for name, encoder in (("pretrained", pretrained), ("random", random_init)):
            seed_everything(seed)  # the same decoder initialisation for both
            model = segmentation_model(encoder, card)
            names = {n for n, _ in model.named_parameters() if not n.startswith("head.")} & {
                prefix + n for n, _ in encoder.named_parameters() for prefix in ("", "encoder.")
            }
            scores[name] = train_segmentation(model, names, labelled, torch_device, steps)
        metric, counts = "Dice", (train_count, test_count)
    else:
        kind = get_reference(card["method"]).dimension
        probe_kind = "chest-xray" if kind == "2D" else "ct-cube"
        shape = (card["channels"], *card["input_size"])
        labelled_set = labelled_data(probe_kind, shape, data, train_count, max(test_count, 64), seed)
        for name, encoder in (("pretrained", pretrained), ("random", random_init)):
            encoder.train()
            scores[name] = fine_tune(encoder, labelled_set, torch_device, steps=steps)
        description, metric = labelled_set.description, "AUROC"
        counts = (len(labelled_set.train_labels), len(labelled_set.test_labels))
    return FinetuneReport(
        card["method"], task, description, metric, *counts, steps, scores["pretrained"], scores["random"], card["steps"]
    )
