"""The smoke checks can fail: plant one documented bug per method and watch its check catch it.

Each mutation is the kind of mistake a re-implementation makes and a falling loss hides:
labels unrelated to the transform, a transform that does nothing, a positive that is not a
positive, a loss on the wrong region, DINO without centering, an optimiser that never steps.
The planted bug goes in through ``monkeypatch`` (the method's ``RECIPE`` or one of its named
functions), so the method's own ``smoke_check`` runs unchanged and must report a failure.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from types import ModuleType

import pytest

torch = pytest.importorskip("torch")

from runnable_refs.registry import REFERENCES  # noqa: E402

MODULES = {reference.name: importlib.import_module(reference.module) for reference in REFERENCES}


def wrap_make_batch(module: ModuleType, monkeypatch: pytest.MonkeyPatch, change: Callable) -> None:
    """Replace the recipe's ``make_batch`` by ``change(batch, generator)`` applied to its output."""
    original = module.RECIPE.make_batch

    def make_batch(source, config, generator):
        return change(original(source, config, generator), generator)

    monkeypatch.setattr(module, "RECIPE", dataclasses.replace(module.RECIPE, make_batch=make_batch))


def shuffled(values: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    return values[torch.randperm(len(values), generator=generator)]


def rolled(values: torch.Tensor) -> torch.Tensor:
    """Row i gets row i + 1: every pairing now joins two different images."""
    return values.roll(1, dims=0)


# --- one planted bug per method -------------------------------------------------------------------


def labels_unrelated_to_the_rotation(module, monkeypatch):
    """rotation_2d: labels drawn independently of the rotation actually applied."""
    wrap_make_batch(
        module,
        monkeypatch,
        lambda batch, g: {**batch, "labels": torch.randint(4, batch["labels"].shape, generator=g)},
    )


def rotation_never_applied(module, monkeypatch):
    """rotation_3d: identity augmentation: every volume is left as it is, whatever the label."""
    monkeypatch.setattr(module, "rotate_3d", lambda volume, label: volume)


def query_patch_from_a_random_cell(module, monkeypatch):
    """relative_patch_location_3d: the query is cut from any cell, not the labelled one."""
    wrap_make_batch(module, monkeypatch, lambda batch, g: {**batch, "queries": shuffled(batch["queries"], g)})


def pieces_never_shuffled(module, monkeypatch):
    """jigsaw_3d: identity augmentation: the label is drawn but the pieces stay in order."""
    monkeypatch.setattr(module, "shuffle_pieces", lambda pieces, permutation: pieces)


def optimizer_never_steps(module, monkeypatch):
    """rubiks_cube: ``optimizer.step()`` does nothing (a forgotten step, a frozen model)."""
    monkeypatch.setattr(torch.optim.AdamW, "step", lambda self, closure=None: None)


def patches_never_swapped(module, monkeypatch):
    """context_restoration: identity augmentation: the "disordered" image is the original."""
    monkeypatch.setattr(module, "swap_patches", lambda image, patch_size, swaps, generator: image.clone())


def target_is_the_damaged_input(module, monkeypatch):
    """models_genesis: the restoration is trained against the damaged volume, not the original."""
    task_class = module.ModelsGenesisTask
    monkeypatch.setattr(
        task_class,
        "forward",
        lambda self, damaged, original: torch.nn.functional.mse_loss(self.restore(damaged), damaged),
    )


def loss_on_the_visible_patches(module, monkeypatch):
    """mae: the reconstruction loss scores the patches the encoder saw instead of the masked ones."""
    original = module.masked_patch_loss
    monkeypatch.setattr(
        module, "masked_patch_loss", lambda prediction, target, mask: original(prediction, target, ~mask)
    )


def volume_not_held_out(module, monkeypatch):
    """patch2self: the prediction of volume j also sees volume j (J-invariance broken)."""
    original_init = module.Patch2SelfTask.__init__

    def init(self, config):
        original_init(self, config)
        self.holdout.fill_(1.0)

    monkeypatch.setattr(module.Patch2SelfTask, "__init__", init)


def keys_from_other_images(module, monkeypatch):
    """moco_cxr: the "positive" key is a view of the next image in the batch, not of the query's."""
    wrap_make_batch(module, monkeypatch, lambda batch, g: {**batch, "keys": rolled(batch["keys"])})


def reports_shuffled(module, monkeypatch):
    """image_text_contrastive: each image is paired with another image's report."""
    wrap_make_batch(module, monkeypatch, lambda batch, g: {**batch, "tokens": shuffled(batch["tokens"], g)})


def voxel_positions_shuffled(module, monkeypatch):
    """vox2vec: the voxel positions in crop b no longer point at the voxels of crop a."""
    wrap_make_batch(
        module,
        monkeypatch,
        lambda batch, g: {
            **batch,
            "positions_b": batch["positions_b"][:, torch.randperm(batch["positions_b"].shape[1], generator=g)],
        },
    )


def second_view_from_another_slice(module, monkeypatch):
    """global_local_contrastive: view b of slice i is a view of slice i + 1."""
    wrap_make_batch(module, monkeypatch, lambda batch, g: {**batch, "view_b": rolled(batch["view_b"])})


def no_centering(module, monkeypatch):
    """dino: the teacher's outputs are sharpened but never centred."""
    original = module.dino_teacher_probabilities
    monkeypatch.setattr(
        module,
        "dino_teacher_probabilities",
        lambda logits, center, temperature: original(logits, torch.zeros_like(center), temperature),
    )


def blocks_never_dropped(module, monkeypatch):
    """swin_unetr_pretext: identity augmentation: patch_rand_drop replaces nothing."""
    monkeypatch.setattr(
        module,
        "drop_blocks",
        lambda views, config, generator: (views.clone(), torch.zeros_like(views, dtype=torch.bool)),
    )


MUTATIONS = {
    "swin_unetr_pretext": blocks_never_dropped,
    "dino": no_centering,
    "global_local_contrastive": second_view_from_another_slice,
    "vox2vec": voxel_positions_shuffled,
    "image_text_contrastive": reports_shuffled,
    "moco_cxr": keys_from_other_images,
    "context_restoration": patches_never_swapped,
    "models_genesis": target_is_the_damaged_input,
    "mae": loss_on_the_visible_patches,
    "patch2self": volume_not_held_out,
    "rotation_2d": labels_unrelated_to_the_rotation,
    "rotation_3d": rotation_never_applied,
    "relative_patch_location_3d": query_patch_from_a_random_cell,
    "jigsaw_3d": pieces_never_shuffled,
    "rubiks_cube": optimizer_never_steps,
}


def test__every_method_has_a_planted_bug() -> None:
    assert set(MUTATIONS) == set(MODULES)


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test__smoke_check_fails_with_the_planted_bug(name: str, device: str, monkeypatch: pytest.MonkeyPatch) -> None:
    MUTATIONS[name](MODULES[name], monkeypatch)
    result = MODULES[name].smoke_check(device)
    assert not result.passed, f"{name}: the smoke check passed with {MUTATIONS[name].__name__} planted"
    assert not result.skipped
