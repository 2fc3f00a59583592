"""The probe: does the pretraining help a small labelled task? Pretrained vs random init.

Both networks are the method's encoder with identical architecture and identical starting
weights (the random-init network is rebuilt from the checkpoint's seed, so it is exactly where
pretraining started). Each is scored two ways, as in the papers' evaluations: a linear probe
(a logistic-regression head on frozen, pooled features) and fine-tuning (encoder and head
trained together). The metric is AUROC on a held-out test set.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from runnable_refs.errors import DataUnavailableError, UsageError
from runnable_refs.harness.device import autocast, choose_device
from runnable_refs.harness.real_data import load_medmnist_npz
from runnable_refs.harness.recipe import Recipe
from runnable_refs.harness.reproducibility import (
    data_generator,
    deterministic_cross_entropy,
    seed_everything,
)
from runnable_refs.harness.synthetic import labelled_lesion_task
from runnable_refs.harness.training import load_checkpoint

TASK_DESCRIPTIONS = {
    "chest-xray": "synthetic chest X-rays: is there a lung nodule?",
    "ct-cube": "synthetic CT cubes: is the cube centred on a liver lesion?",
    "ct-slice": "synthetic CT slices: does the slice cut a liver lesion?",
}


@dataclass(frozen=True)
class LabelledData:
    train_images: torch.Tensor  # (N, 1, ...) in [0, 1]
    train_labels: torch.Tensor  # (N,) int64
    test_images: torch.Tensor
    test_labels: torch.Tensor
    description: str

    @property
    def classes(self) -> int:
        return int(max(self.train_labels.max(), self.test_labels.max())) + 1


@dataclass
class ProbeReport:
    """Scores (AUROC) of the pretrained and the random-init encoder, per evaluation mode."""

    reference: str
    task: str
    train_count: int
    test_count: int
    pretrained: dict[str, float]  # mode ("linear", "finetune") -> AUROC
    random_init: dict[str, float]
    checkpoint: str
    pretrain_steps: int

    def format(self) -> str:
        modes = list(self.pretrained)
        header = f"{'':14}" + "".join(f"{_MODE_NAMES[mode]:>16}" for mode in modes)
        rows = [
            f"{self.reference} probe on {self.task}",
            f"{self.train_count} labelled training images, {self.test_count} test images; metric: AUROC (0.5 = chance)",
            header,
            f"{'pretrained':14}"
            + "".join(f"{self.pretrained[m]:>16.3f}" for m in modes)
            + f"   ({self.checkpoint}, {self.pretrain_steps} steps)",
            f"{'random init':14}"
            + "".join(f"{self.random_init[m]:>16.3f}" for m in modes)
            + "   (same network and seed, no pretraining)",
        ]
        return "\n".join(rows)


_MODE_NAMES = {"linear": "linear probe", "finetune": "fine-tune"}


def auroc(probabilities: torch.Tensor, labels: torch.Tensor) -> float:
    """Area under the ROC curve; macro one-vs-rest average when there are more than 2 classes.

    Computed as the Mann-Whitney statistic: the chance that a random positive scores above a
    random negative, ties counting half.
    """
    classes = probabilities.shape[1]
    scores = []
    for positive in range(1, 2) if classes == 2 else range(classes):
        score = probabilities[:, positive]
        is_positive = labels == positive
        if is_positive.all() or not is_positive.any():
            continue
        above = score[is_positive][:, None] - score[~is_positive][None, :]  # (P, N)
        scores.append(float((above > 0).float().mean() + 0.5 * (above == 0).float().mean()))
    return float(np.mean(scores)) if scores else float("nan")


def labelled_data(
    kind: str, input_shape: tuple[int, ...], data: str, train_count: int, test_count: int, seed: int
) -> LabelledData:
    """The labelled task: synthetic lesions (``kind``), or the labels of a MedMNIST ``.npz``."""
    spatial = input_shape[1:]
    if data == "synthetic":
        generator = data_generator(seed + 12345)  # disjoint from the pretraining stream
        train = labelled_lesion_task(kind, train_count, spatial, generator)
        test = labelled_lesion_task(kind, test_count, spatial, generator)
        return LabelledData(*train, *test, TASK_DESCRIPTIONS[kind])
    if not data.lower().endswith(".npz") or not Path(data).exists():
        raise DataUnavailableError(
            f"the probe needs labelled data: --data synthetic or a MedMNIST .npz file, not {data!r}"
        )
    splits = load_medmnist_npz(data)
    test_split = splits.get("test", splits.get("val"))
    if test_split is None or splits["train"].images.ndim - 1 != len(spatial):
        raise DataUnavailableError(f"{data}: needs train and test splits of {len(spatial)}D images for this method")

    def prepare(images: np.ndarray, count: int) -> torch.Tensor:
        tensor = torch.from_numpy(images[:count]).float()[:, None]
        mode = "bilinear" if len(spatial) == 2 else "trilinear"
        return F.interpolate(tensor, size=spatial, mode=mode, align_corners=False)

    return LabelledData(
        prepare(splits["train"].images, train_count),
        torch.from_numpy(splits["train"].labels[:train_count]),
        prepare(test_split.images, test_count),
        torch.from_numpy(test_split.labels[:test_count]),
        f"{Path(data).name} labels",
    )


@torch.no_grad()
def extract_features(encoder: nn.Module, images: torch.Tensor, device: torch.device) -> torch.Tensor:
    """Pooled features (N, F) of a frozen encoder, on the CPU in fp32."""
    encoder.eval()
    chunks = []
    for chunk in images.split(32):
        with autocast(device):
            chunks.append(encoder.features(chunk.to(device)).float().cpu())
    return torch.cat(chunks)


def linear_probe(encoder: nn.Module, data: LabelledData, device: torch.device, steps: int = 300):
    """Logistic regression on standardised frozen features; returns test AUROC."""
    train = extract_features(encoder, data.train_images, device)
    test = extract_features(encoder, data.test_images, device)
    mean, std = train.mean(dim=0), train.std(dim=0) + 1e-6
    train, test = (train - mean) / std, (test - mean) / std
    torch.manual_seed(0)  # the same head initialisation for both encoders
    head = nn.Linear(train.shape[1], data.classes)
    optimizer = torch.optim.Adam(head.parameters(), lr=0.01, weight_decay=1e-3)
    for _ in range(steps):  # full-batch: the training sets here are small
        optimizer.zero_grad()
        deterministic_cross_entropy(head(train), data.train_labels).backward()
        optimizer.step()
    with torch.no_grad():
        return auroc(head(test).softmax(dim=1), data.test_labels)


def fine_tune(encoder: nn.Module, data: LabelledData, device: torch.device, steps: int = 100, batch: int = 16) -> float:
    """Train a copy of the encoder with a head on the labelled images; returns test AUROC.

    The head normalises the pooled features (BatchNorm) before its linear layer, as MAE's
    probing heads do: raw pooled features have a large shared offset and a tiny spread, which
    a plain linear head learns from slowly. The encoder gets a lower learning rate than the
    new head, so fine-tuning adapts pretrained features instead of overwriting them.
    """
    model = copy.deepcopy(encoder).to(device).train()
    with torch.no_grad():
        width = model.features(data.train_images[:2].to(device)).shape[1]
    torch.manual_seed(0)  # the same head initialisation for both encoders
    head = nn.Sequential(nn.BatchNorm1d(width), nn.Linear(width, data.classes)).to(device)
    optimizer = torch.optim.AdamW(
        [{"params": model.parameters(), "lr": 3e-4}, {"params": head.parameters(), "lr": 1e-3}],
        weight_decay=1e-4,
    )
    generator = data_generator(0)  # the same minibatch order for both encoders
    for _ in range(steps):
        index = torch.randint(len(data.train_labels), (batch,), generator=generator)
        images, labels = data.train_images[index].to(device), data.train_labels[index].to(device)
        with autocast(device):
            loss = deterministic_cross_entropy(head(model.features(images)), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    head.eval()
    with torch.no_grad():
        logits = head(extract_features(model, data.test_images, device).to(device)).float()
    return auroc(logits.softmax(dim=1).cpu(), data.test_labels)


def probe(
    recipe: Recipe[Any],
    checkpoint: Path,
    device: str = "auto",
    data: str = "synthetic",
    modes: tuple[str, ...] = ("linear", "finetune"),
    train_count: int = 64,
    test_count: int = 256,
) -> ProbeReport:
    """Score the checkpoint's encoder against the same encoder at its random initialisation."""
    if recipe.probe_data is None:
        raise UsageError(f"{recipe.name} has no classification probe; its smoke check scores it")
    if not Path(checkpoint).exists():
        raise UsageError(
            f"no checkpoint at {checkpoint}; run `medssl refs run {recipe.name}` first or pass --checkpoint PATH"
        )
    saved = load_checkpoint(Path(checkpoint))
    if saved.get("reference") != recipe.name:
        raise UsageError(f"{checkpoint} holds {saved.get('reference')!r}, not {recipe.name!r}")
    config = type(recipe.config)(**saved["config"])
    torch_device = choose_device(device)
    seed_everything(config.seed)
    random_init = recipe.build_task(config)  # the exact weights pretraining started from
    pretrained = recipe.build_task(config)
    pretrained.load_state_dict(saved["state_dict"])
    labelled = labelled_data(recipe.probe_data, config.input_shape, data, train_count, test_count, config.seed)
    scores: dict[str, dict[str, float]] = {"pretrained": {}, "random": {}}
    for label, task in (("pretrained", pretrained), ("random", random_init)):
        encoder = task.encoder.to(torch_device)
        for mode in modes:
            if mode == "linear":
                scores[label][mode] = linear_probe(encoder, labelled, torch_device)
            else:
                scores[label][mode] = fine_tune(encoder, labelled, torch_device)
    return ProbeReport(
        recipe.name,
        labelled.description,
        len(labelled.train_labels),
        len(labelled.test_labels),
        scores["pretrained"],
        scores["random"],
        str(checkpoint),
        len(saved["losses"]),
    )
