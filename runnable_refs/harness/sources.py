"""Image sources: where a method's training images come from, chosen by ``--data``.

``--data`` is ``synthetic`` (the default), a package sample (``dicom-sample``,
``nifti-sample``, ``nifti-4d-sample``, ``retina-sample``, ``phantom-sample``), a ``.npz``
(MedMNIST) or ``.dcm`` file, or the user's volumes: a ``.nii``/``.nii.gz`` file, a folder of
NIfTI files, a DICOM series folder or a ``.csv``/``.json`` list, which go through MONAI
(``volumes.py``: orientation, spacing, HU window or per-volume normalisation, native crops).
Every source answers ``sample(count, shape, generator)`` with (count, 1, *shape) images in
[0, 1]; methods never need to know which source they got.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np
import torch
import torch.nn.functional as F

from runnable_refs.errors import DataUnavailableError
from runnable_refs.harness.real_data import (
    SAMPLE_DATA,
    load_dicom,
    load_medmnist_npz,
    load_sample,
)
from runnable_refs.harness.synthetic import (
    SyntheticImages,
    synthetic_chest_xrays,
    synthetic_ct_volumes,
    synthetic_diffusion_series,
    window_hounsfield,
)
from runnable_refs.harness.volumes import open_volumes

DATA_HELP = (
    "synthetic (default), " + ", ".join(SAMPLE_DATA) + ", or a path: .nii/.nii.gz, a folder of "
    "NIfTI files, a DICOM series folder, a .csv/.json list, a .dcm file or a MedMNIST .npz"
)
_LARGEST_KEPT_SIDE = 256  # big photographs are shrunk once on load, so crops stay cheap


class ImageSource(Protocol):
    """What a method's batch maker may ask of its data."""

    description: str

    def sample(self, count: int, shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
        """``count`` images (count, 1, *shape) in [0, 1]; ``shape`` is (H, W) or (D, H, W)."""
        ...

    def sample_series(
        self, count: int, volumes: int, shape: tuple[int, int, int], generator: torch.Generator
    ) -> torch.Tensor:
        """``count`` co-registered series (count, volumes, D, H, W) of a 4D acquisition."""
        ...


class SyntheticSource:
    """Chest X-ray-like images for 2D requests, CT-like volumes (windowed HU) for 3D ones."""

    description = "synthetic"

    def sample(self, count: int, shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
        return self.sample_annotated(count, shape, generator).images

    def sample_annotated(self, count: int, shape: tuple[int, ...], generator: torch.Generator) -> SyntheticImages:
        """Images in [0, 1] together with their lesion masks (and organ labels for CT)."""
        if len(shape) == 2:
            return synthetic_chest_xrays(count, shape, generator)
        drawn = synthetic_ct_volumes(count, shape, generator)
        return SyntheticImages(window_hounsfield(drawn.images), drawn.lesion_masks, drawn.organs)

    def sample_series(
        self, count: int, volumes: int, shape: tuple[int, int, int], generator: torch.Generator
    ) -> torch.Tensor:
        noisy, _ = synthetic_diffusion_series(count, volumes, shape, generator)
        return noisy


class ArraySource:
    """Random crops of real images, resized to the requested shape.

    2D requests on 3D data take axial slices from the middle 60% of the volume; 3D requests
    on 2D data are refused, because a single slice cannot stand in for a volume.
    """

    def __init__(self, arrays: list[np.ndarray], description: str, series: bool = False):
        self.series = series  # arrays are (V, D, H, W) 4D acquisitions
        self.arrays = [torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)) for a in arrays]
        self.arrays = [_shrink(array) for array in self.arrays]
        self.description = description

    @property
    def dimension(self) -> int:
        return self.arrays[0].dim() - (1 if self.series else 0)

    def sample(self, count: int, shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
        if len(shape) > self.dimension:
            raise DataUnavailableError(
                f"{self.description} holds {self.dimension}D images; this method needs "
                f"{len(shape)}D volumes. Use synthetic, nifti-sample or a .nii/.npz 3D file."
            )
        images = []
        for _ in range(count):
            array = self.arrays[_randint(generator, len(self.arrays))]
            if self.series:
                array = array[_randint(generator, array.shape[0])]  # one volume of the series
            if len(shape) < array.dim():  # a 2D slice out of a volume
                depth = array.shape[0]
                array = array[int(depth * 0.2) + _randint(generator, max(1, int(depth * 0.6)))]
            images.append(_random_crop_resized(array[None], shape, generator))
        return torch.stack(images)  # (count, 1, *shape)

    def sample_series(
        self, count: int, volumes: int, shape: tuple[int, int, int], generator: torch.Generator
    ) -> torch.Tensor:
        if not self.series or self.arrays[0].shape[0] < volumes:
            raise DataUnavailableError(
                f"{self.description} is not a 4D series of at least {volumes} volumes; "
                "use synthetic or a 4D .nii/.nii.gz diffusion series"
            )
        picks = [self.arrays[_randint(generator, len(self.arrays))][:volumes] for _ in range(count)]
        return torch.stack([_random_crop_resized(series, shape, generator) for series in picks])


def _randint(generator: torch.Generator, high: int) -> int:
    return int(torch.randint(high, (1,), generator=generator))


def _shrink(array: torch.Tensor) -> torch.Tensor:
    """Downsample (area averaging) so no spatial side exceeds ``_LARGEST_KEPT_SIDE``."""
    spatial = array.shape[-2:] if array.dim() == 2 else array.shape[-3:]
    scale = _LARGEST_KEPT_SIDE / max(spatial)
    if scale >= 1.0:
        return array
    size = [max(1, round(side * scale)) for side in spatial]
    batched = array.reshape(-1, 1, *spatial)
    shrunk = F.interpolate(batched, size=size, mode="area")
    return shrunk.reshape(*array.shape[: -len(spatial)], *size)


def _random_crop_resized(image: torch.Tensor, shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
    """A random crop covering 60-100% of each side of ``image`` (C, ...), resized to ``shape``."""
    slices = [slice(None)]
    for side in image.shape[1:]:
        length = max(1, int(side * (0.6 + 0.4 * float(torch.rand(1, generator=generator)))))
        start = _randint(generator, side - length + 1)
        slices.append(slice(start, start + length))
    crop = image[tuple(slices)][None]  # (1, C, ...)
    mode = "bilinear" if len(shape) == 2 else "trilinear"
    resized = F.interpolate(crop, size=shape, mode=mode, align_corners=False)
    return resized[0].clamp(0.0, 1.0)


def open_source(data: str = "synthetic", dimension: int | None = None) -> ImageSource:
    """Resolve ``--data`` to a source; with ``dimension``, refuse one that cannot supply it."""
    source: ImageSource
    if data == "synthetic":
        return SyntheticSource()
    if data in SAMPLE_DATA:
        array = load_sample(data)
        source = ArraySource([array], data, series=data == "nifti-4d-sample")
    else:
        path = Path(data)
        if not path.exists():
            raise DataUnavailableError(f"--data {data!r}: no such file or folder; use {DATA_HELP}")
        name = path.name.lower()
        if name.endswith(".npz"):
            images = load_medmnist_npz(path)["train"].images
            source = ArraySource(list(images), f"{path.name} (MedMNIST, {len(images)} images)")
        elif name.endswith(".dcm"):
            source = ArraySource([load_dicom(path)], path.name)
        elif path.is_dir() or name.endswith((".nii", ".nii.gz", ".csv", ".json")):
            return open_volumes(data)  # 3D; 2D requests get axial slices
        else:
            raise DataUnavailableError(f"--data {data!r}: unknown file type; use {DATA_HELP}")
    if dimension is not None and isinstance(source, ArraySource) and dimension > source.dimension:
        raise DataUnavailableError(
            f"--data {data}: {source.description} holds {source.dimension}D images but this "
            f"method needs {dimension}D volumes; try nifti-sample or a 3D file"
        )
    return source
