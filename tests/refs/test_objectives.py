"""The shared objectives, each by its defining property, and the one-way imports of the refs."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from runnable_refs.harness import data_generator  # noqa: E402
from runnable_refs.harness.objectives import (  # noqa: E402
    dino_loss,
    dino_teacher_probabilities,
    ema_update,
    info_nce,
    nt_xent,
)

REFS = Path(__file__).resolve().parents[2] / "runnable_refs"


def unit(rows: int, dim: int = 16, seed: int = 0) -> torch.Tensor:
    return torch.nn.functional.normalize(torch.randn(rows, dim, generator=data_generator(seed)), dim=1)


def test__info_nce_of_uninformative_embeddings_is_log_of_the_candidates() -> None:
    same = unit(1).expand(8, -1)  # every query equally similar to every key: chance
    assert float(info_nce(same, same, 0.1)) == pytest.approx(math.log(8), abs=1e-5)
    queue = unit(1).expand(24, -1)
    assert float(info_nce(same, same, 0.1, negatives=queue)) == pytest.approx(math.log(32), abs=1e-5)
    assert float(info_nce(same, same, 0.1, negatives=queue, in_batch_negatives=False)) == pytest.approx(
        math.log(25), abs=1e-5
    )


def test__info_nce_falls_when_queries_match_their_keys_and_ignores_the_negatives_order() -> None:
    keys, queries = unit(8), unit(8, seed=1)
    assert float(info_nce(keys, keys, 0.1)) < float(info_nce(queries, keys, 0.1))
    queue = unit(32, seed=2)
    shuffled = queue[torch.randperm(32, generator=data_generator(3))]
    assert torch.allclose(info_nce(queries, keys, 0.2, queue), info_nce(queries, keys, 0.2, shuffled))


def test__nt_xent_is_symmetric_in_its_two_views_and_rewards_agreement() -> None:
    a, b = unit(6), unit(6, seed=1)
    assert torch.allclose(nt_xent(a, b, 0.5), nt_xent(b, a, 0.5))
    assert float(nt_xent(a, a, 0.5)) < float(nt_xent(a, b, 0.5))


def test__nt_xent_counts_the_other_views_of_the_same_side_as_negatives() -> None:
    """With one view constant, only the intra-view negatives can change the loss."""
    a, b = unit(4), unit(4, seed=1)
    spread_out = nt_xent(a, b, 0.5)
    huddled = nt_xent(unit(1).expand(4, -1) + 1e-3 * a, b, 0.5)
    assert not torch.allclose(spread_out, huddled)


@pytest.mark.parametrize("momentum", [0.0, 0.5, 1.0])
def test__ema_update_moves_the_teacher_a_share_one_minus_momentum_of_the_way(momentum: float) -> None:
    teacher, student = torch.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    before = teacher.weight.detach().clone()
    ema_update(teacher, student, momentum)
    assert torch.allclose(teacher.weight, momentum * before + (1 - momentum) * student.weight)


def test__dino_loss_is_smallest_when_the_student_matches_the_teacher() -> None:
    """Cross-entropy H(p, q) >= H(p, p): the student's best answer is the teacher's distribution."""
    logits = torch.randn(2, 5, 10, generator=data_generator(0))
    teacher = dino_teacher_probabilities(logits, torch.zeros(1, 10), temperature=1.0)
    matching = dino_loss(teacher, logits.flip(0), temperature=1.0)  # crop t's partner sees t's output
    other = dino_loss(teacher, torch.randn(2, 5, 10, generator=data_generator(1)), temperature=1.0)
    assert float(matching) < float(other)


def test__dino_centering_removes_a_shared_offset() -> None:
    logits = torch.randn(4, 10, generator=data_generator(0))
    offset = torch.randn(1, 10, generator=data_generator(1))
    assert torch.allclose(
        dino_teacher_probabilities(logits + offset, offset, 0.1),
        dino_teacher_probabilities(logits, torch.zeros(1, 10), 0.1),
    )


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


@pytest.mark.parametrize("path", sorted((REFS / "harness").glob("*.py")), ids=lambda p: p.name)
def test__the_harness_never_imports_the_cli(path: Path) -> None:
    assert "runnable_refs.cli" not in imports_of(path)


@pytest.mark.parametrize("path", sorted(REFS.rglob("*.py")), ids=lambda p: str(p.relative_to(REFS)))
def test__the_refs_never_import_the_site_builder(path: Path) -> None:
    assert not any(name.split(".")[0] == "site_builder" for name in imports_of(path))
