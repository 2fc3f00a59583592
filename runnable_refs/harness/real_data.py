"""Loaders for medical images a user already has, and for the samples that ship inside packages.

Nothing is downloaded. MedMNIST ``.npz`` files are read directly with NumPy (no medmnist
package, which would pull torchvision); NIfTI goes through nibabel, DICOM through pydicom.
The package samples are pydicom's ``CT_small.dcm``, nibabel's ``anatomical.nii`` and
``example4d.nii.gz`` and scikit-image's ``retina()`` and ``shepp_logan_phantom()``.
nibabel, pydicom and scikit-image are imported inside the functions, so importing the harness
stays light. Every loader returns float32 arrays scaled to [0, 1], axes ``(H, W)``,
``(D, H, W)`` or, for a 4D series, ``(V, D, H, W)``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from runnable_refs.errors import DataUnavailableError

SAMPLE_DATA = {
    "dicom-sample": "pydicom's CT_small.dcm, one 128x128 CT slice",
    "nifti-sample": "nibabel's anatomical.nii, a 33x41x25 MR volume",
    "nifti-4d-sample": "nibabel's example4d.nii.gz, a 4D series of two 128x96x24 volumes",
    "retina-sample": "scikit-image's retina(), a 1411x1411 fundus photograph (as greyscale)",
    "phantom-sample": "scikit-image's shepp_logan_phantom(), a 400x400 CT head phantom",
}
CT_WINDOW = (-1000.0, 1000.0)  # the same window the synthetic CT uses


@dataclass(frozen=True)
class LabelledSplit:
    """One split of a labelled data set: images (N, ...) in [0, 1] and labels (N,) int64."""

    images: np.ndarray
    labels: np.ndarray


def _import(module: str, package: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise DataUnavailableError(
            f"reading this data needs {package}: pip install {package} "
            "(it is part of the refs extra: pip install -e '.[refs]')"
        ) from error


def normalise_intensity(array: np.ndarray, hounsfield: bool = False) -> np.ndarray:
    """Scale to [0, 1]: CT in HU by the fixed CT window, anything else by its 0.5/99.5 percentiles.

    Percentiles rather than min/max, so one hot pixel does not squash the whole image.
    """
    array = array.astype(np.float32)
    if hounsfield:
        low, high = CT_WINDOW
    else:
        low, high = np.percentile(array, [0.5, 99.5])
        if high <= low:
            high = low + 1.0
    return np.clip((array - low) / (high - low), 0.0, 1.0).astype(np.float32)


def load_medmnist_npz(path: str | Path) -> dict[str, LabelledSplit]:
    """Read a MedMNIST ``.npz``: ``train_images``, ``train_labels``, ``val_*``, ``test_*``.

    RGB images (N, H, W, 3) become greyscale; 3D sets stay (N, D, H, W). Multi-label sets such
    as ChestMNIST get one binary label, "any finding", since the probe is single-label.
    """
    with np.load(path) as archive:
        splits = {}
        for split in ("train", "val", "test"):
            if f"{split}_images" not in archive:
                continue
            images = archive[f"{split}_images"].astype(np.float32) / 255.0
            if images.ndim == 4 and images.shape[-1] == 3:
                images = images.mean(axis=-1)  # (N, H, W)
            labels = archive[f"{split}_labels"]
            labels = labels.max(axis=1) if labels.ndim == 2 and labels.shape[1] > 1 else labels
            splits[split] = LabelledSplit(images, labels.reshape(-1).astype(np.int64))
    if "train" not in splits:
        raise DataUnavailableError(f"{path}: no train_images/train_labels arrays; is it MedMNIST?")
    return splits


def load_nifti(path: str | Path) -> np.ndarray:
    """A NIfTI volume as (D, H, W) = (superior->inferior, anterior->posterior, right->left).

    The image is first reoriented to RAS, then flipped into the radiological order the
    synthetic CT uses; a 4D series becomes (V, D, H, W).
    """
    nibabel = _import("nibabel", "nibabel")
    image = nibabel.as_closest_canonical(nibabel.load(str(path)))
    data = np.asarray(image.get_fdata(dtype=np.float32))
    if data.ndim == 4:
        data = np.transpose(data, (3, 2, 1, 0))[:, ::-1, ::-1, ::-1]  # (V, D, H, W)
    elif data.ndim == 3:
        data = np.transpose(data, (2, 1, 0))[::-1, ::-1, ::-1]  # (D, H, W)
    else:
        raise DataUnavailableError(f"{path}: expected a 3D or 4D NIfTI image, got {data.shape}")
    return normalise_intensity(np.ascontiguousarray(data))


def _dicom_pixels(dataset: Any) -> tuple[np.ndarray, bool]:
    pixels = dataset.pixel_array.astype(np.float32)
    slope = float(getattr(dataset, "RescaleSlope", 1.0))
    intercept = float(getattr(dataset, "RescaleIntercept", 0.0))
    return pixels * slope + intercept, getattr(dataset, "Modality", "") == "CT"


def load_dicom(path: str | Path) -> np.ndarray:
    """A DICOM file as (H, W) (or (D, H, W) if multi-frame), or a folder of slices as (D, H, W).

    Stored values are rescaled to the modality's units; CT is then windowed in HU.
    """
    pydicom = _import("pydicom", "pydicom")
    path = Path(path)
    if path.is_dir():
        datasets = [pydicom.dcmread(file) for file in sorted(path.iterdir()) if file.is_file()]
        if not datasets:
            raise DataUnavailableError(f"{path}: no DICOM files in this folder")
        # Sort slices along the scanner's z axis when known, else by instance number.
        datasets.sort(
            key=lambda d: (
                float(getattr(d, "ImagePositionPatient", [0, 0, 0])[2])
                if hasattr(d, "ImagePositionPatient")
                else int(d.InstanceNumber)
            )
        )
        slices = [_dicom_pixels(dataset) for dataset in datasets]
        volume = np.stack([pixels for pixels, _ in slices])
        return normalise_intensity(volume, hounsfield=slices[0][1])
    pixels, is_ct = _dicom_pixels(pydicom.dcmread(path))
    return normalise_intensity(pixels, hounsfield=is_ct)


def load_sample(name: str) -> np.ndarray:
    """One of ``SAMPLE_DATA``, loaded from the package that ships it."""
    if name == "dicom-sample":
        data = _import("pydicom.data", "pydicom")
        return load_dicom(data.get_testdata_file("CT_small.dcm"))
    if name in ("nifti-sample", "nifti-4d-sample"):
        testing = _import("nibabel.testing", "nibabel")
        file = "anatomical.nii" if name == "nifti-sample" else "example4d.nii.gz"
        return load_nifti(Path(testing.data_path) / file)
    if name in ("retina-sample", "phantom-sample"):
        skimage_data = _import("skimage.data", "scikit-image")
        if name == "phantom-sample":
            return normalise_intensity(skimage_data.shepp_logan_phantom())
        return normalise_intensity(skimage_data.retina().astype(np.float32).mean(axis=-1))
    raise DataUnavailableError(f"unknown sample {name!r}; known: {', '.join(SAMPLE_DATA)}")
