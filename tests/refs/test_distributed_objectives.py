"""Two gloo ranks: MoCo's queue holds both ranks' keys and DINO's center is the same everywhere.

Each rank draws different images; without ``concat_all_gather`` each queue would hold only its
own keys (or, after DDP's buffer broadcast, only rank 0's), and without the all-reduce each
rank would centre with its own batch.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import torch.distributed as dist  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402

from runnable_refs import dino, moco_cxr  # noqa: E402
from runnable_refs.harness import SyntheticSource, data_generator  # noqa: E402

WORLD = 2


def one_step_on_each_rank(rank: int, init_file: str, out: str) -> None:
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=WORLD)
    torch.set_num_threads(1)
    try:
        config = moco_cxr.RECIPE.smoke_config
        torch.manual_seed(0)  # identical weights on both ranks, as DDP starts
        moco = moco_cxr.MocoCxrTask(dataclasses.replace(config, queue_size=64))  # room for both ranks
        batch = moco_cxr.make_batch(SyntheticSource(), config, data_generator(100 + rank))  # different images
        seen = {}
        enqueue = moco.enqueue

        def spy(keys):
            seen["keys"] = keys.clone()
            enqueue(keys)

        moco.enqueue = spy
        moco(**batch)

        torch.manual_seed(0)
        distillation = dino.DinoTask(dino.RECIPE.smoke_config)
        views = dino.make_batch(SyntheticSource(), dino.RECIPE.smoke_config, data_generator(200 + rank))
        with torch.no_grad():
            flat = views["global_views"].flatten(0, 1)
            local_mean = distillation.teacher_head(distillation.teacher.features(flat)).mean(dim=0, keepdim=True)
        distillation(**views)
        torch.save(
            {"queue": moco.queue, "keys": seen["keys"], "center": distillation.center, "local_mean": local_mean},
            Path(out) / f"rank{rank}.pt",
        )
    finally:
        dist.destroy_process_group()


@pytest.fixture(scope="module")
def ranks(tmp_path_factory) -> list[dict]:
    folder = tmp_path_factory.mktemp("ranks")
    mp.spawn(one_step_on_each_rank, args=(str(folder / "init"), str(folder)), nprocs=WORLD, join=True)
    return [torch.load(folder / f"rank{rank}.pt") for rank in range(WORLD)]


def test__moco_queue_holds_the_keys_of_both_ranks_in_rank_order(ranks) -> None:
    count = len(ranks[0]["keys"])
    assert not torch.allclose(ranks[0]["keys"], ranks[1]["keys"])  # the ranks saw different images
    for rank in ranks:
        assert torch.equal(rank["queue"][:count], ranks[0]["keys"])
        assert torch.equal(rank["queue"][count : 2 * count], ranks[1]["keys"])
    assert torch.equal(ranks[0]["queue"], ranks[1]["queue"])


def test__dino_center_is_the_mean_over_both_ranks(ranks) -> None:
    assert not torch.allclose(ranks[0]["local_mean"], ranks[1]["local_mean"])
    assert torch.equal(ranks[0]["center"], ranks[1]["center"])
    # The first step initialises the center from the (all-reduced) batch mean, then updates it
    # with the same mean: it equals the mean of the two ranks' batch means.
    expected = (ranks[0]["local_mean"] + ranks[1]["local_mean"]) / 2
    assert torch.allclose(ranks[0]["center"], expected, atol=1e-5)
