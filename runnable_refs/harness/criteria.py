"""Pretext criteria for the smoke checks: did the method learn its own task on held-out data?

A falling loss is not enough: a method whose labels ignore the rotation, or whose DINO
teacher collapsed, can still lower its loss. Each smoke check therefore scores the trained
task on held-out synthetic batches with one of these criteria, and each raises
``AssertionError`` with the numbers when the method is not doing its job:

* classification pretexts (rotation, jigsaw, relative position, Rubik's cube): accuracy well
  above chance;
* contrastive pretexts: top-1 retrieval of the positive well above chance;
* restorative and masked pretexts: error on the damaged/masked region below both the
  identity (copy the corrupted input) and the mean (predict a constant) baselines;
* self-distillation: no collapse (teacher output entropy and embedding spread stay up).
"""

from __future__ import annotations

import math

import torch


def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of rows whose arg-max class is the label."""
    return float((logits.argmax(dim=-1) == labels).float().mean())


def expect_above_chance(what: str, value: float, chance: float, margin: float) -> dict[str, float]:
    """Require ``value >= chance + margin * (1 - chance)``: a share of the way from chance to 1."""
    needed = chance + margin * (1.0 - chance)
    if not value >= needed:
        raise AssertionError(f"{what} {value:.3f} is not well above chance {chance:.3f} (needs >= {needed:.3f})")
    return {what: value}


def retrieval_top1(queries: torch.Tensor, keys: torch.Tensor) -> float:
    """Share of queries (N, E) whose most similar key (N, E) is their own (row i)."""
    similarity = queries.float() @ keys.float().T
    return float((similarity.argmax(dim=1) == torch.arange(len(queries), device=queries.device)).float().mean())


def masked_error(prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, power: int = 2) -> float:
    """Mean |prediction - target| ** power over the voxels where ``mask`` is True."""
    mask = mask.expand_as(target)
    if not bool(mask.any()):
        raise AssertionError("the pretext transform changed nothing: there is no damaged region to score")
    return float(((prediction.float() - target.float()).abs() ** power)[mask].mean())


def expect_beats_baselines(
    what: str, model: float, baselines: dict[str, float], ratio: float = 0.95
) -> dict[str, float]:
    """Require the model's error below ``ratio`` times every baseline's error."""
    for name, error in baselines.items():
        if not model < ratio * error:
            raise AssertionError(
                f"{what}: model error {model:.4f} is not below {ratio} x the {name} baseline {error:.4f}"
            )
    return {f"{what} error": model, **{f"{name} baseline": error for name, error in baselines.items()}}


def mean_baseline(target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Predict, everywhere, each sample's mean over the scored region: (B, ...) like ``target``."""
    mask = mask.expand_as(target).float()
    dims = tuple(range(1, target.dim()))
    mean = (target * mask).sum(dim=dims, keepdim=True) / mask.sum(dim=dims, keepdim=True).clamp_min(1.0)
    return mean.expand_as(target)


def expect_restoration_beats_baselines(
    what: str,
    restored: torch.Tensor,
    damaged: torch.Tensor,
    original: torch.Tensor,
    region: torch.Tensor,
    power: int = 2,
) -> dict[str, float]:
    """A restorative pretext's criterion: on the damaged ``region``, the restoration's error is below
    both the identity baseline (hand back the damaged input) and the per-sample mean baseline."""
    baselines = {
        "identity": masked_error(damaged, original, region, power),
        "mean": masked_error(mean_baseline(original, torch.ones_like(region)), original, region, power),
    }
    return expect_beats_baselines(what, masked_error(restored, original, region, power), baselines)


def expect_no_collapse(
    teacher_probabilities: torch.Tensor,
    embeddings: torch.Tensor,
    min_entropy_share: float = 0.25,
    min_spread: float = 0.2,
) -> dict[str, float]:
    """Self-distillation health on a held-out batch.

    ``teacher_probabilities`` (N, K): the entropy of their batch mean, as a share of log K,
    falls towards 0 when one prototype wins for every image (collapse to one dimension).
    ``embeddings`` (N, F): the per-dimension standard deviation of the L2-normalised
    embeddings, times sqrt(F) (about 1 for spread-out unit vectors), falls towards 0 when every
    image gets the same output (the uniform collapse).
    """
    marginal = teacher_probabilities.float().mean(dim=0)
    entropy = float(-(marginal * marginal.clamp_min(1e-12).log()).sum()) / math.log(marginal.numel())
    unit = torch.nn.functional.normalize(embeddings.float(), dim=1)
    spread = float(unit.std(dim=0).mean()) * math.sqrt(unit.shape[1])
    if entropy < min_entropy_share:
        raise AssertionError(f"teacher collapsed: marginal entropy {entropy:.3f} x log K < {min_entropy_share}")
    if spread < min_spread:
        raise AssertionError(f"embeddings collapsed: spread {spread:.3f} < {min_spread}")
    return {"teacher entropy share": entropy, "embedding spread": spread}
