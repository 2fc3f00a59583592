"""Objectives that several methods share, written once: InfoNCE / NT-Xent, the EMA teacher, DINO.

* ``info_nce``: each query must pick its own key among the keys (and optional extra
  negatives); the loss of MoCo (He et al., CVPR 2020, Eq. 1), CLIP/ConVIRT and vox2vec.
* ``nt_xent``: SimCLR's symmetric form over two views (Chen et al., ICML 2020, Eq. 1): every
  other embedding of both views is a negative; Swin UNETR's contrastive coding uses it.
* ``ema_update``: teacher = m * teacher + (1 - m) * student (MoCo's key encoder, DINO's teacher).
* ``dino_loss`` and ``dino_teacher_probabilities``: DINO's cross-entropy between a centred,
  sharpened teacher and the student over every pair of different crops (Caron et al., Eq. 3).

Every class-index cross-entropy goes through ``deterministic_cross_entropy``, so CUDA runs
stay bit-reproducible.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from runnable_refs.harness.reproducibility import deterministic_cross_entropy

# A large finite logit for "not a candidate": the one-hot cross-entropy multiplies masked
# log-probabilities by 0, and 0 * -inf would be NaN.
MASKED_LOGIT = -1e9


def info_nce(
    queries: torch.Tensor,
    keys: torch.Tensor,
    temperature: float,
    negatives: torch.Tensor | None = None,
    symmetric: bool = False,
    in_batch_negatives: bool = True,
) -> torch.Tensor:
    """InfoNCE: row i of ``queries`` (N, E) must pick row i of ``keys`` (N, E).

    Embeddings are expected unit-length. The other keys are negatives (unless
    ``in_batch_negatives`` is False: MoCo's own positive-vs-queue form); ``negatives`` (K, E)
    adds more (a MoCo queue). ``symmetric`` averages with the keys-to-queries direction (CLIP).
    """
    if in_batch_negatives:
        logits = queries @ keys.T  # (N, N): the positive on the diagonal
        targets = torch.arange(len(queries), device=queries.device)
    else:
        logits = (queries * keys).sum(dim=1, keepdim=True)  # (N, 1): the positive in column 0
        targets = torch.zeros(len(queries), dtype=torch.long, device=queries.device)
    if negatives is not None:
        logits = torch.cat([logits, queries @ negatives.T], dim=1)  # (N, N + K) or (N, 1 + K)
    loss = deterministic_cross_entropy(logits / temperature, targets)
    if symmetric:
        loss = (loss + deterministic_cross_entropy(keys @ queries.T / temperature, targets)) / 2
    return loss


def nt_xent(view_a: torch.Tensor, view_b: torch.Tensor, temperature: float) -> torch.Tensor:
    """SimCLR's NT-Xent: 2N embeddings, each one's positive is its other view, all else negative.

    ``view_a`` and ``view_b`` (N, E) are normalised here.
    """
    embeddings = F.normalize(torch.cat([view_a, view_b]).float(), dim=1)  # (2N, E)
    count = len(view_a)
    similarity = embeddings @ embeddings.T / temperature  # (2N, 2N)
    itself = torch.eye(2 * count, dtype=torch.bool, device=similarity.device)
    similarity = similarity.masked_fill(itself, MASKED_LOGIT)  # a view is not its own negative
    partner = (torch.arange(2 * count, device=similarity.device) + count) % (2 * count)
    return deterministic_cross_entropy(similarity, partner)


@torch.no_grad()
def ema_update(teacher: nn.Module, student: nn.Module, momentum: float) -> None:
    """teacher <- momentum * teacher + (1 - momentum) * student, parameter by parameter."""
    for t, s in zip(teacher.parameters(), student.parameters(), strict=True):
        t.mul_(momentum).add_(s.detach(), alpha=1 - momentum)


def dino_teacher_probabilities(logits: torch.Tensor, center: torch.Tensor, temperature: float) -> torch.Tensor:
    """Centre, then sharpen: softmax((logits - center) / temperature) (Caron et al., Sec. 3.1)."""
    return ((logits.float() - center) / temperature).softmax(dim=-1)


def dino_loss(teacher_probabilities: torch.Tensor, student_logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """Mean cross-entropy H(teacher_t, student_s) over every pair of different crops t != s.

    ``teacher_probabilities`` (T, B, K) come from the T global crops, ``student_logits``
    (S, B, K) from all S crops, the T global ones first (so crop t is the same image as t).
    """
    student = (student_logits.float() / temperature).log_softmax(dim=-1)
    total, pairs = student.new_zeros(()), 0
    for t_index in range(teacher_probabilities.shape[0]):
        for s_index in range(student.shape[0]):
            if s_index == t_index:
                continue  # the same crop: nothing to learn
            total = total - (teacher_probabilities[t_index] * student[s_index]).sum(dim=-1).mean()
            pairs += 1
    return total / pairs
