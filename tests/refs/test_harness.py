"""The harness: devices, seeding, synthetic and real data, augmentations, loop, probe, DDP bits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from runnable_refs.errors import CheckFailedError, DataUnavailableError, DeviceUnavailableError  # noqa: E402
from runnable_refs.harness import ConvEncoder, data_generator  # noqa: E402
from runnable_refs.harness.augment import intensity_jitter, random_resized_crop_2d  # noqa: E402
from runnable_refs.harness.device import choose_device  # noqa: E402
from runnable_refs.harness.distributed import weight_digest  # noqa: E402
from runnable_refs.harness.probe import LabelledData, auroc, linear_probe  # noqa: E402
from runnable_refs.harness.real_data import load_medmnist_npz, load_sample  # noqa: E402
from runnable_refs.harness.sources import open_source  # noqa: E402
from runnable_refs.harness.synthetic import (  # noqa: E402
    HOUNSFIELD,
    ORGAN_LABELS,
    labelled_lesion_task,
    synthetic_chest_xrays,
    synthetic_ct_volumes,
    synthetic_diffusion_series,
    window_hounsfield,
)
from runnable_refs.harness.training import (  # noqa: E402
    TrainingConfig,
    load_checkpoint,
    save_checkpoint,
    train,
)

# --- device ------------------------------------------------------------------------------------


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test__cuda_request_without_cuda_is_a_usage_error() -> None:
    with pytest.raises(DeviceUnavailableError, match="CUDA is not available"):
        choose_device("cuda")


def test__auto_picks_cuda_exactly_when_available() -> None:
    assert choose_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")


# --- synthetic data ----------------------------------------------------------------------------


def test__same_generator_seed_gives_identical_images() -> None:
    first = synthetic_chest_xrays(4, (32, 32), data_generator(7)).images
    second = synthetic_chest_xrays(4, (32, 32), data_generator(7)).images
    assert torch.equal(first, second)


def test__chest_xrays_are_in_unit_range_with_lesions_only_where_asked() -> None:
    has_lesion = torch.tensor([True, False, True, False])
    drawn = synthetic_chest_xrays(4, (64, 64), data_generator(0), has_lesion=has_lesion)
    assert drawn.images.shape == (4, 1, 64, 64)
    assert float(drawn.images.min()) >= 0.0 and float(drawn.images.max()) <= 1.0
    assert drawn.lesion_masks.flatten(1).any(dim=1).tolist() == has_lesion.tolist()


def test__ct_volumes_have_hounsfield_ranges_and_organ_labels() -> None:
    drawn = synthetic_ct_volumes(2, (32, 32, 32), data_generator(0))
    volume, organs = drawn.images, drawn.organs
    assert volume.shape == organs.shape == (2, 1, 32, 32, 32)
    assert set(organs.unique().tolist()) == set(ORGAN_LABELS.values())
    for organ in ("liver", "lung"):  # large organs; a thin spine is mostly blurred edge
        inside = (organs == ORGAN_LABELS[organ]) & ~drawn.lesion_masks
        # Organ centres keep their textbook HU up to noise and edge blur.
        assert abs(float(volume[inside].median()) - HOUNSFIELD[organ]) < 60
    corner = volume[:, :, :, :3, :3]  # outside the body: air
    assert abs(float(corner.mean()) - HOUNSFIELD["air"]) < 20


def test__ct_lesions_lie_inside_the_liver() -> None:
    drawn = synthetic_ct_volumes(4, (32, 32, 32), data_generator(1), has_lesion=torch.ones(4) > 0)
    assert drawn.lesion_masks.any()
    assert bool((drawn.organs[drawn.lesion_masks] == ORGAN_LABELS["liver"]).all())


def test__windowing_maps_the_ct_window_to_unit_range() -> None:
    hounsfield = torch.tensor([-2000.0, -1000.0, 0.0, 1000.0, 3000.0])
    assert window_hounsfield(hounsfield).tolist() == [0.0, 0.0, 0.5, 1.0, 1.0]


def test__diffusion_series_noise_is_rician_and_positive() -> None:
    noisy, clean = synthetic_diffusion_series(2, 5, (12, 12, 12), data_generator(0))
    assert noisy.shape == clean.shape == (2, 5, 12, 12, 12)
    assert float(noisy.min()) >= 0.0
    assert float((noisy - clean).abs().mean()) > 0.01


@pytest.mark.parametrize("kind", ["chest-xray", "ct-cube", "ct-slice"])
def test__labelled_task_is_balanced_and_labels_match_lesions(kind: str) -> None:
    shape = (16, 16, 16) if kind == "ct-cube" else (32, 32)
    images, labels = labelled_lesion_task(kind, 10, shape, data_generator(0))
    assert images.shape == (10, 1, *shape) and int(labels.sum()) == 5


# --- real data ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "ndim"),
    [("dicom-sample", 2), ("nifti-sample", 3), ("nifti-4d-sample", 4), ("phantom-sample", 2)],
)
def test__package_samples_load_offline_in_unit_range(name: str, ndim: int) -> None:
    array = load_sample(name)
    assert array.ndim == ndim and array.dtype == np.float32
    assert array.min() >= 0.0 and array.max() <= 1.0 and array.max() > array.min()


def test__retina_sample_becomes_greyscale() -> None:
    assert load_sample("retina-sample").ndim == 2


def test__a_2d_sample_cannot_feed_a_3d_method() -> None:
    with pytest.raises(DataUnavailableError, match="needs 3D volumes"):
        open_source("dicom-sample", dimension=3)


def test__a_3d_sample_gives_2d_slices_and_3d_crops() -> None:
    source = open_source("nifti-sample", dimension=3)
    generator = data_generator(0)
    assert source.sample(2, (16, 16), generator).shape == (2, 1, 16, 16)
    assert source.sample(2, (8, 8, 8), generator).shape == (2, 1, 8, 8, 8)


def test__missing_file_and_unknown_type_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(DataUnavailableError, match="no such file"):
        open_source(str(tmp_path / "absent.nii"))
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(DataUnavailableError, match="unknown file type"):
        open_source(str(tmp_path / "notes.txt"))


def write_medmnist(path: Path, images: np.ndarray, labels: np.ndarray) -> Path:
    np.savez(path, train_images=images, train_labels=labels, test_images=images, test_labels=labels)
    return path


def test__medmnist_npz_reads_rgb_as_grey_and_multilabel_as_any_finding(tmp_path: Path) -> None:
    rgb = np.random.default_rng(0).integers(0, 255, (6, 28, 28, 3), dtype=np.uint8)
    multi = np.array([[0, 0], [1, 0], [0, 1], [0, 0], [1, 1], [0, 0]])
    splits = load_medmnist_npz(write_medmnist(tmp_path / "x.npz", rgb, multi))
    assert splits["train"].images.shape == (6, 28, 28)
    assert splits["train"].labels.tolist() == [0, 1, 1, 0, 1, 0]
    source = open_source(str(tmp_path / "x.npz"), dimension=2)
    assert source.sample(3, (32, 32), data_generator(0)).shape == (3, 1, 32, 32)


def test__medmnist_3d_npz_feeds_3d_methods(tmp_path: Path) -> None:
    volumes = np.random.default_rng(0).integers(0, 255, (4, 28, 28, 28), dtype=np.uint8)
    path = write_medmnist(tmp_path / "organ3d.npz", volumes, np.arange(4)[:, None])
    source = open_source(str(path), dimension=3)
    assert source.sample(2, (16, 16, 16), data_generator(0)).shape == (2, 1, 16, 16, 16)


# --- augmentations -----------------------------------------------------------------------------


def test__full_crop_without_rotation_or_flip_is_the_identity() -> None:
    images = torch.rand(3, 1, 16, 16)
    same = random_resized_crop_2d(images, data_generator(0), 16, scale=(1.0, 1.0))
    assert torch.allclose(same, images, atol=1e-5)


def test__intensity_jitter_keeps_shape_and_range() -> None:
    images = torch.rand(3, 1, 8, 8, 8)
    jittered = intensity_jitter(images, data_generator(0))
    assert jittered.shape == images.shape
    assert float(jittered.min()) >= 0.0 and float(jittered.max()) <= 1.0


# --- training loop, checkpoints, digests --------------------------------------------------------


class Quadratic(torch.nn.Module):
    """A task whose loss is (w - target)^2: the loop must drive it down."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.tensor(3.0))

    def forward(self, target: torch.Tensor) -> torch.Tensor:
        return (self.weight - target).pow(2).sum()


def test__training_loop_lowers_the_loss() -> None:
    config = TrainingConfig(steps=50, learning_rate=0.1)
    report = train(
        Quadratic(),
        lambda: {"target": torch.tensor(0.0)},
        config,
        torch.device("cpu"),
        progress=False,
    )
    assert report.losses[-1] < report.losses[0] / 10 and report.steps_per_second > 0


def test__non_finite_loss_stops_training_with_a_check_failure() -> None:
    config = TrainingConfig(steps=3)
    with pytest.raises(CheckFailedError, match="nan"):
        train(
            Quadratic(),
            lambda: {"target": torch.tensor(float("nan"))},
            config,
            torch.device("cpu"),
            progress=False,
        )


def test__checkpoint_round_trip_keeps_weights_and_metadata(tmp_path: Path) -> None:
    task = Quadratic()
    path = save_checkpoint(tmp_path / "run" / "checkpoint.pt", task, {"reference": "q"})
    saved = load_checkpoint(path)
    assert saved["reference"] == "q" and torch.equal(saved["state_dict"]["weight"], task.weight)


def test__weight_digest_changes_exactly_when_weights_change() -> None:
    first, second = Quadratic(), Quadratic()
    assert weight_digest(first) == weight_digest(second)
    with torch.no_grad():
        second.weight.add_(1e-6)
    assert weight_digest(first) != weight_digest(second)


# --- probe -------------------------------------------------------------------------------------


def test__auroc_of_perfect_inverted_and_constant_scores() -> None:
    labels = torch.tensor([0, 0, 1, 1])
    perfect = torch.tensor([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.1, 0.9]])
    assert auroc(perfect, labels) == 1.0
    assert auroc(perfect.flip(1), labels) == 0.0
    assert auroc(torch.full((4, 2), 0.5), labels) == 0.5


def test__linear_probe_separates_what_the_features_separate() -> None:
    encoder = ConvEncoder(2, 1, (4,))  # features: mean activations, monotone in brightness
    bright = torch.linspace(0, 1, 40)[:, None, None, None].expand(40, 1, 8, 8).contiguous()
    labels = (torch.arange(40) >= 20).long()
    data = LabelledData(bright[::2], labels[::2], bright[1::2], labels[1::2], "brightness")
    assert linear_probe(encoder, data, torch.device("cpu")) > 0.9
