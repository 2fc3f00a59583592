"""Each pretext transform's invariant: the label it makes really describes what it did."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from runnable_refs import (  # noqa: E402
    context_restoration,
    dino,
    global_local_contrastive,
    image_text_contrastive,
    jigsaw_3d,
    mae,
    moco_cxr,
    models_genesis,
    patch2self,
    relative_patch_location_3d,
    rotation_2d,
    rotation_3d,
    rubiks_cube,
    swin_unetr_pretext,
    vox2vec,
)
from runnable_refs.harness import SyntheticSource, data_generator  # noqa: E402

FAST = settings(max_examples=15, deadline=None)  # properties, not a fuzzing campaign
seeds = st.integers(min_value=0, max_value=2**31 - 1)


class FixedSource:
    """An image source that always returns the same hand-made volume or image."""

    description = "fixed"

    def __init__(self, image: torch.Tensor):
        self.image = image

    def sample(self, count, shape, generator):
        assert tuple(self.image.shape) == tuple(shape)
        return self.image.expand(count, 1, *shape).clone()


def cell_index_volume(side: int, grid: int) -> torch.Tensor:
    """A (side,)*3 volume whose every voxel holds the index of its grid cell, d*g*g + h*g + w."""
    cell = torch.arange(side) // (side // grid)
    d, h, w = torch.meshgrid(cell, cell, cell, indexing="ij")
    return (d * grid * grid + h * grid + w).float()


# --- rotation_2d / rotation_3d ------------------------------------------------------------------


@FAST
@given(seed=seeds)
def test__rotation_label_recovers_rotation_2d(seed: int) -> None:
    config = rotation_2d.RECIPE.smoke_config
    generator = data_generator(seed)
    state = generator.get_state()
    originals = SyntheticSource().sample(config.batch_size, (config.image_size,) * 2, generator)
    generator.set_state(state)
    batch = rotation_2d.make_batch(SyntheticSource(), config, generator)
    for rotated, original, label in zip(batch["images"], originals, batch["labels"], strict=True):
        assert torch.equal(rotation_2d.rotate_2d(rotated, -int(label)), original)


def test__four_2d_rotations_are_distinct() -> None:
    image = torch.arange(16.0).view(1, 4, 4)
    rotations = {tuple(rotation_2d.rotate_2d(image, k).flatten().tolist()) for k in range(4)}
    assert len(rotations) == 4


def test__ten_3d_rotations_are_distinct_and_invertible() -> None:
    volume = torch.arange(27.0).view(1, 3, 3, 3)
    rotated = [rotation_3d.rotate_3d(volume, k) for k in range(len(rotation_3d.ROTATIONS))]
    assert len({tuple(r.flatten().tolist()) for r in rotated}) == 10
    for label, r in enumerate(rotated):
        assert torch.equal(rotation_3d.unrotate_3d(r, label), volume)


@FAST
@given(seed=seeds)
def test__rotation_label_recovers_rotation_3d(seed: int) -> None:
    config = rotation_3d.RECIPE.smoke_config
    volume = torch.rand((config.volume_size,) * 3, generator=data_generator(seed))
    batch = rotation_3d.make_batch(FixedSource(volume), config, data_generator(seed))
    for rotated, label in zip(batch["volumes"], batch["labels"], strict=True):
        assert torch.equal(rotation_3d.unrotate_3d(rotated, int(label))[0], volume)


# --- relative_patch_location_3d, jigsaw_3d, rubiks_cube -----------------------------------------


@FAST
@given(seed=seeds)
def test__relative_patch_label_names_the_cell_the_query_came_from(seed: int) -> None:
    config = relative_patch_location_3d.RECIPE.smoke_config
    grid = relative_patch_location_3d.GRID
    source = FixedSource(cell_index_volume(config.volume_size, grid))
    batch = relative_patch_location_3d.make_batch(source, config, data_generator(seed))
    centre = 1 * grid * grid + 1 * grid + 1
    assert bool((batch["centres"] == centre).all())
    for query, label in zip(batch["queries"], batch["labels"], strict=True):
        d, h, w = relative_patch_location_3d.NEIGHBOURS[int(label)]
        assert bool((query == d * grid * grid + h * grid + w).all())


def test__jigsaw_permutations_are_distinct_and_far_apart() -> None:
    permutations = jigsaw_3d.permutation_set(100)
    assert len({tuple(p.tolist()) for p in permutations}) == 100
    distances = (permutations[:, None] != permutations[None]).sum(dim=2)
    distances.fill_diagonal_(jigsaw_3d.PIECES)
    assert int(distances.min()) >= jigsaw_3d.PIECES // 2  # far apart, not just different


@FAST
@given(permutation=st.permutations(list(range(27))))
def test__jigsaw_permutation_is_invertible(permutation: list[int]) -> None:
    pieces = torch.arange(27.0)[:, None]
    order = torch.tensor(permutation)
    shuffled = jigsaw_3d.shuffle_pieces(pieces, order)
    assert torch.equal(jigsaw_3d.unshuffle_pieces(shuffled, order), pieces)


@FAST
@given(seed=seeds)
def test__jigsaw_label_is_the_permutation_of_the_pieces(seed: int) -> None:
    config = jigsaw_3d.RECIPE.smoke_config
    source = FixedSource(cell_index_volume(config.volume_size, jigsaw_3d.GRID))
    batch = jigsaw_3d.make_batch(source, config, data_generator(seed))
    permutations = jigsaw_3d.permutation_set(config.permutations)
    for puzzle, label in zip(batch["puzzles"], batch["labels"], strict=True):
        cell_of_each_piece = puzzle.flatten(1)[:, 0]
        assert cell_of_each_piece.long().tolist() == permutations[label].tolist()


@FAST
@given(seed=seeds, state=st.sampled_from([1, 2]))
def test__rubiks_cube_rotation_is_an_involution(seed: int, state: int) -> None:
    cube = torch.rand((1, 5, 5, 5), generator=data_generator(seed))
    once = rubiks_cube.rotate_cube(cube, state)
    assert not torch.equal(once, cube)
    assert torch.equal(rubiks_cube.rotate_cube(once, state), cube)


@FAST
@given(seed=seeds)
def test__rubiks_cube_targets_match_the_scramble(seed: int) -> None:
    config = rubiks_cube.RECIPE.smoke_config
    source = FixedSource(cell_index_volume(config.volume_size, rubiks_cube.GRID))
    batch = rubiks_cube.make_batch(source, config, data_generator(seed))
    permutations = rubiks_cube.permutation_set(config.permutations)
    for cubes, order, bits in zip(batch["cubes"], batch["orders"], batch["rotations"], strict=True):
        assert cubes.flatten(1)[:, 0].long().tolist() == permutations[order].tolist()
        assert bool((bits.sum(dim=1) <= 1).all())  # at most one rotation per cube


# --- restoration pretexts -------------------------------------------------------------------


@FAST
@given(seed=seeds, swaps=st.integers(1, 8))
def test__patch_swapping_keeps_the_intensity_histogram(seed: int, swaps: int) -> None:
    image = torch.rand((1, 32, 32), generator=data_generator(seed))
    disordered = context_restoration.swap_patches(image, 4, swaps, data_generator(seed + 1))
    assert torch.equal(disordered.flatten().sort().values, image.flatten().sort().values)
    assert int((disordered != image).sum()) <= 2 * swaps * 4 * 4


def test__one_swap_exchanges_two_patches() -> None:
    image = torch.rand((1, 16, 16), generator=data_generator(0))
    disordered = context_restoration.swap_patches(image, 4, 1, data_generator(3))
    changed = (disordered != image)[0]
    assert int(changed.sum()) == 2 * 16  # two 4x4 patches, all values distinct


@FAST
@given(seed=seeds)
def test__local_shuffling_keeps_the_intensity_histogram(seed: int) -> None:
    volume = torch.rand((16, 16, 16), generator=data_generator(seed))
    shuffled = models_genesis.local_pixel_shuffle(volume, data_generator(seed + 1), windows=50)
    assert torch.equal(shuffled.flatten().sort().values, volume.flatten().sort().values)
    assert not torch.equal(shuffled, volume)


@FAST
@given(seed=seeds)
def test__bezier_intensity_curve_is_monotonic_on_the_unit_interval(seed: int) -> None:
    values = torch.linspace(0.0, 1.0, 201)
    mapped = models_genesis.bezier_intensity_curve(values, data_generator(seed))
    steps = mapped.diff()
    assert bool((steps >= -1e-6).all()) or bool((steps <= 1e-6).all())
    assert float(mapped.min()) >= 0.0 and float(mapped.max()) <= 1.0
    assert {round(float(mapped[0]), 4), round(float(mapped[-1]), 4)} == {0.0, 1.0}


@FAST
@given(seed=seeds)
def test__painting_boxes_respect_their_size_range(seed: int) -> None:
    mask = models_genesis.random_boxes((20, 20, 20), data_generator(seed), 1, (0.25, 0.5))
    extent = [int(mask.any(dim=axes).sum()) for axes in ((1, 2), (0, 2), (0, 1))]
    assert all(5 <= side <= 10 for side in extent)


def test__in_painting_changes_only_a_minority_and_out_painting_a_majority() -> None:
    volume = torch.full((16, 16, 16), 0.5)
    inpainted = models_genesis.paint(volume, data_generator(0), outpaint=False)
    outpainted = models_genesis.paint(volume, data_generator(0), outpaint=True)
    assert 0 < float((inpainted != volume).float().mean()) < 0.5
    assert float((outpainted != volume).float().mean()) > 0.5


@FAST
@given(seed=seeds)
def test__patch_rand_drop_replaces_exactly_the_masked_blocks_with_unit_noise(seed: int) -> None:
    config = swin_unetr_pretext.RECIPE.smoke_config
    volume = torch.full((1, *(config.volume_size,) * 3), 2.0)  # outside the noise range [0, 1]
    dropped, mask = swin_unetr_pretext.patch_rand_drop(volume, config, data_generator(seed))
    assert torch.equal(dropped[~mask], volume[~mask])
    assert bool(((dropped[mask] >= 0) & (dropped[mask] <= 1)).all())
    assert float(mask.float().mean()) <= config.max_drop + config.max_block**3  # one block past the target


@FAST
@given(seed=seeds)
def test__patch_rand_drop_with_a_replacement_copies_its_blocks(seed: int) -> None:
    config = swin_unetr_pretext.RECIPE.smoke_config
    volume, other = torch.zeros((1, *(config.volume_size,) * 3)), torch.ones((1, *(config.volume_size,) * 3))
    dropped, mask = swin_unetr_pretext.patch_rand_drop(volume, config, data_generator(seed), other)
    assert torch.equal(dropped, mask.float())


@FAST
@given(seed=seeds)
def test__swin_views_are_rotations_of_the_same_volume(seed: int) -> None:
    config = swin_unetr_pretext.RECIPE.smoke_config
    volume = torch.rand((config.volume_size,) * 3, generator=data_generator(seed))
    batch = swin_unetr_pretext.make_batch(FixedSource(volume), config, data_generator(seed))
    for target, turns in zip(batch["targets"], batch["rotations"], strict=True):
        assert torch.equal(torch.rot90(target, -int(turns), dims=(2, 3))[0], volume)


# --- masked image modelling ---------------------------------------------------------------------


@FAST
@given(seed=seeds, side=st.sampled_from([2, 4, 8]), ratio=st.floats(0.05, 0.95))
def test__mae_masks_cover_the_stated_ratio(seed: int, side: int, ratio: float) -> None:
    patches = side * side
    keep, mask = mae.random_masking(3, patches, ratio, data_generator(seed))
    assert bool((mask.sum(dim=1) == round(patches * ratio)).all())
    assert keep.shape == (3, patches - round(patches * ratio))
    assert not bool(mask.gather(1, keep).any())  # kept patches are exactly the visible ones


def test__mae_patchify_is_invertible() -> None:
    images = torch.rand(2, 1, 16, 16)
    patches = mae.patchify(images, 4)
    assert patches.shape == (2, 16, 16)
    assert torch.equal(patches[0, 1], images[0, 0, :4, 4:8].flatten())
    assert torch.equal(mae.unpatchify(patches, 4), images)


# --- contrastive and distillation methods ------------------------------------------------------


def test__moco_momentum_update_moves_keys_toward_queries() -> None:
    config = moco_cxr.RECIPE.smoke_config
    task = moco_cxr.MocoCxrTask(config)
    with torch.no_grad():
        for parameter in task.encoder.parameters():
            parameter.add_(1.0)
    before = [p.clone() for p in task.key_encoder.parameters()]
    task.after_optimizer_step()
    m = config.momentum
    for old, key, query in zip(before, task.key_encoder.parameters(), task.encoder.parameters(), strict=True):
        assert torch.allclose(key, m * old + (1 - m) * query)


def test__moco_queue_is_a_ring_buffer() -> None:
    config = dataclasses.replace(moco_cxr.RECIPE.smoke_config, queue_size=5, projection_dim=2)
    task = moco_cxr.MocoCxrTask(config)
    task.enqueue(torch.ones(3, 2))
    task.enqueue(torch.full((3, 2), 2.0))
    assert task.queue[:, 0].tolist() == [2.0, 1.0, 1.0, 2.0, 2.0]
    assert int(task.queue_pointer) == 1


def test__moco_views_differ_but_keep_the_shape() -> None:
    config = moco_cxr.RECIPE.smoke_config
    batch = moco_cxr.make_batch(SyntheticSource(), config, data_generator(0))
    assert batch["queries"].shape == batch["keys"].shape == (config.batch_size, 1, 32, 32)
    assert not torch.equal(batch["queries"], batch["keys"])


def test__partition_slices_come_from_their_partition() -> None:
    depth = 12
    volume = torch.arange(depth).float().view(1, 1, depth, 1, 1).expand(2, 1, depth, 4, 4)
    slices, labels = global_local_contrastive.partition_slices(volume, 4, data_generator(0))
    slice_depth = slices[:, 0, 0, 0]
    assert labels.tolist() == [0, 1, 2, 3, 0, 1, 2, 3]
    assert (slice_depth // 3).long().tolist() == labels.tolist()


def test__global_loss_rewards_agreeing_positives() -> None:
    labels = torch.tensor([0, 1, 2, 0, 1, 2])
    aligned = torch.nn.functional.one_hot(labels, 3).float()
    shuffled = aligned[torch.tensor([1, 2, 0, 2, 0, 1])]
    loss = global_local_contrastive.global_contrastive_loss
    assert loss(aligned, labels, 0.1) < loss(shuffled, labels, 0.1)


def test__local_loss_rewards_matching_regions() -> None:
    regions = torch.nn.functional.normalize(torch.randn(2, 4, 8, generator=data_generator(0)), dim=2)
    loss = global_local_contrastive.local_contrastive_loss
    assert loss(regions, regions, 0.1, negatives=2) < loss(regions, regions.flip(1), 0.1, negatives=2)


def test__local_regions_are_read_at_their_centres() -> None:
    feature_map = torch.arange(2 * 1 * 6 * 6, dtype=torch.float).view(2, 1, 6, 6)
    centres = torch.tensor([[[2, 3]], [[4, 1]]])  # (N, R, 2)
    regions = global_local_contrastive.regions_at(feature_map, centres)  # (2, 1, 9)
    assert torch.equal(regions[0, 0], feature_map[0, 0, 1:4, 2:5].reshape(-1))
    assert torch.equal(regions[1, 0], feature_map[1, 0, 3:6, 0:3].reshape(-1))


def test__global_local_trains_the_encoder_first_and_then_only_the_decoder() -> None:
    config = global_local_contrastive.RECIPE.smoke_config
    task = global_local_contrastive.GlobalLocalTask(config)
    batch = global_local_contrastive.make_batch(SyntheticSource(), config, data_generator(0))
    for progress, trained, frozen in ((0.0, "unet.encoder", "unet.head"), (0.9, "unet.head", "unet.encoder")):
        task.zero_grad(set_to_none=True)
        task.set_progress(progress)
        task(**batch).backward()
        grads = {name: p.grad for name, p in task.named_parameters()}
        assert all(g is not None for n, g in grads.items() if n.startswith(trained))
        assert all(g is None for n, g in grads.items() if n.startswith(frozen))


def test__dino_teacher_is_an_ema_of_the_student() -> None:
    config = dino.RECIPE.smoke_config
    task = dino.DinoTask(config)
    with torch.no_grad():
        for parameter in task.student.parameters():
            parameter.add_(1.0)
    before = [p.clone() for p in task.teacher.parameters()]
    task.after_optimizer_step()
    m = config.teacher_momentum
    for old, teacher, student in zip(before, task.teacher.parameters(), task.student.parameters(), strict=True):
        assert torch.allclose(teacher, m * old + (1 - m) * student)


def test__dino_multi_crop_makes_two_global_and_several_local_views() -> None:
    config = dino.RECIPE.smoke_config
    batch = dino.make_batch(SyntheticSource(), config, data_generator(0))
    assert batch["global_views"].shape == (2, config.batch_size, 1, 32, 32)
    assert batch["local_views"].shape == (config.local_crops, config.batch_size, 1, 16, 16)


def test__report_names_the_side_and_zone_of_the_lesion() -> None:
    mask = torch.zeros(32, 32, dtype=torch.bool)
    mask[5:9, 4:8] = True  # image top-left: the patient's right upper zone
    report = image_text_contrastive.write_report(mask, data_generator(0))
    assert "right" in report and "upper" in report and "nodule" in report
    normal = image_text_contrastive.write_report(torch.zeros(32, 32, dtype=torch.bool), data_generator(0))
    assert normal in image_text_contrastive.NORMAL_REPORTS


def test__tokenizer_pads_and_knows_every_report_word() -> None:
    tokens = image_text_contrastive.tokenize(["the lungs are clear"], max_words=6)
    assert tokens.shape == (1, 6) and tokens[0, 4:].tolist() == [0, 0]
    assert bool((tokens[0, :4] > 0).all())


@FAST
@given(seed=seeds)
def test__vox2vec_positions_point_at_the_same_voxel_in_both_crops(seed: int) -> None:
    config = vox2vec.RECIPE.smoke_config
    side = config.crop_size + config.max_shift
    volume = torch.arange(float(side**3)).view(1, side, side, side)  # every voxel unique
    crop_a, crop_b, at_a, at_b = vox2vec.overlapping_crops(volume, config, data_generator(seed))
    value_a = crop_a[0, at_a[:, 0], at_a[:, 1], at_a[:, 2]]
    value_b = crop_b[0, at_b[:, 0], at_b[:, 1], at_b[:, 2]]
    assert torch.equal(value_a, value_b)


def test__pyramid_features_read_each_level_at_the_scaled_position() -> None:
    fine = torch.arange(64.0).view(1, 1, 4, 4, 4)
    coarse = torch.arange(8.0).view(1, 1, 2, 2, 2) + 100
    positions = torch.tensor([[[3, 2, 1]]])
    features = vox2vec.pyramid_features_at([fine, coarse], positions)
    assert features.tolist() == [[[float(3 * 16 + 2 * 4 + 1), 100.0 + 1 * 4 + 1 * 2 + 0]]]


def test__patch2self_prediction_of_a_volume_ignores_that_volume() -> None:
    config = patch2self.RECIPE.smoke_config
    task = patch2self.Patch2SelfTask(config)
    series = torch.rand(1, config.volumes, 6, 6, 6, requires_grad=True)
    for held_out in range(config.volumes):
        (gradient,) = torch.autograd.grad(task.denoise(series)[:, held_out].sum(), series)
        assert float(gradient[:, held_out].abs().max()) == 0.0
        assert float(gradient.abs().sum()) > 0.0


def test__patch2self_denoises_better_than_the_noisy_input() -> None:
    from runnable_refs.harness.recipe import pretrain
    from runnable_refs.harness.synthetic import synthetic_diffusion_series

    config = dataclasses.replace(patch2self.RECIPE.smoke_config, steps=80)
    task = pretrain(patch2self.RECIPE, config, device="cpu", progress=False).task
    noisy, clean = synthetic_diffusion_series(2, config.volumes, (12, 12, 12), data_generator(99))
    with torch.no_grad():
        denoised = task.denoise(noisy)
    assert float(((denoised - clean) ** 2).mean()) < float(((noisy - clean) ** 2).mean())


def test__local_shuffling_at_the_codes_density_moves_most_voxels() -> None:
    config = models_genesis.RECIPE.config
    volume = torch.rand((config.volume_size,) * 3, generator=data_generator(0))
    windows = models_genesis.shuffle_window_count(volume.shape, config.shuffle_coverage)
    shuffled = models_genesis.local_pixel_shuffle(volume, data_generator(1), windows)
    assert float((shuffled != volume).float().mean()) > 0.5  # the code's 10,000 windows per 64x64x32


def test__models_genesis_flips_input_and_target_together() -> None:
    config = dataclasses.replace(models_genesis.RECIPE.smoke_config, batch_size=16, flip_rate=1.0, paint_rate=0.0)
    config = dataclasses.replace(config, nonlinear_rate=0.0, local_shuffle_rate=0.0)  # damage off: input == target
    volume = torch.rand((config.volume_size,) * 3, generator=data_generator(0))
    batch = models_genesis.make_batch(FixedSource(volume), config, data_generator(1))
    assert torch.equal(batch["damaged"], batch["original"])
    assert any(not torch.equal(original[0], volume) for original in batch["original"])
    flips = [volume.flip(axes) for axes in ((0,), (1,), (2,), (0, 1), (0, 2), (1, 2), (0, 1, 2), ())]
    assert all(any(torch.equal(original[0], flipped) for flipped in flips) for original in batch["original"])
