"""The user's own 3D images through MONAI: NIfTI files and folders, DICOM series, file lists.

``--data PATH`` may name a ``.nii``/``.nii.gz`` file, a folder of NIfTI files, a folder
holding one DICOM series, or a ``.csv``/``.json`` list of such files. Every volume goes
through one MONAI pipeline:

* ``LoadImage`` (nibabel for NIfTI, pydicom for DICOM, which applies the rescale slope and
  intercept, so CT arrives in Hounsfield units) with the channel first (``load_volume``);
* ``Orientation("RAS")`` and ``Spacing`` to ``DEFAULT_SPACING`` mm, so a voxel means the same
  size in every scan;
* CT (DICOM modality CT, or a NIfTI whose minimum is below -500, i.e. air in HU): the HU
  window [-1000, 1000] -> [0, 1] (``ScaleIntensityRange``, as Models Genesis does); anything
  else (MRI, PET): per-volume normalisation by its 0.5 and 99.5 percentiles
  (``ScaleIntensityRangePercentiles``);
* then, per sample, a random crop of the requested size at this native resolution
  (``RandSpatialCrop`` semantics, drawn from the run's generator), padded with 0 where the
  volume is smaller: no resizing, so methods see anatomy at its real scale, not thumbnails.

Axes are then (D, H, W) = (superior->inferior, anterior->posterior, right->left), the order
the synthetic CT uses. A folder that mixes kinds, or holds files that are neither, is refused
with one line that says what was found.
"""

from __future__ import annotations

import csv
import functools
import json
import logging
import warnings
from pathlib import Path
from typing import Any

import torch

from runnable_refs.errors import DataUnavailableError

NIFTI_SUFFIXES = (".nii", ".nii.gz")
DEFAULT_SPACING = (1.5, 1.5, 2.0)  # mm, (x, y, z): Swin UNETR's pre-training recipe
CT_WINDOW = (-1000.0, 1000.0)  # HU, as Models Genesis and the synthetic CT
CACHED_VOLUMES = 8  # preprocessed volumes kept in memory; a list of hundreds streams from disk
# MONAI logs a notice per process that an optional GPU JPEG decoder is absent; it is irrelevant here.
logging.getLogger("monai.data.nvimgcodec_pydicom_plugin").setLevel(logging.ERROR)


def is_nifti(path: Path) -> bool:
    return path.name.lower().endswith(NIFTI_SUFFIXES)


def _dicom_modality(path: Path) -> str | None:
    """The DICOM Modality of ``path``, or None when it is not a DICOM file."""
    import pydicom

    try:
        return str(pydicom.dcmread(path, stop_before_pixels=True).get("Modality", ""))
    except Exception:  # pydicom raises several types for "not DICOM"
        return None


def _classify_folder(folder: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """(NIfTI files, DICOM files, other files) directly in ``folder``; hidden files ignored."""
    nifti, dicom, other = [], [], []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        if is_nifti(path):
            nifti.append(path)
        elif _dicom_modality(path) is not None:
            dicom.append(path)
        else:
            other.append(path)
    return nifti, dicom, other


def _listed_files(path: Path) -> list[Path]:
    """Image paths from a CSV (an ``image`` column, else the first) or JSON list, relative to it."""
    if path.suffix.lower() == ".csv":
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        if not rows:
            raise DataUnavailableError(f"--data {path}: the CSV lists no files")
        column = "image" if "image" in rows[0] else next(iter(rows[0]))
        names = [row[column] for row in rows]
    else:
        loaded = json.loads(path.read_text())
        entries = loaded.get("training", loaded.get("images", [])) if isinstance(loaded, dict) else loaded
        names = [entry["image"] if isinstance(entry, dict) else entry for entry in entries]
    files = [(path.parent / name) if not Path(name).is_absolute() else Path(name) for name in names]
    missing = [str(file) for file in files if not file.exists()]
    if missing:
        raise DataUnavailableError(f"--data {path}: {len(missing)} listed file(s) do not exist, e.g. {missing[0]}")
    return files


def resolve_volumes(data: str) -> list[Path]:
    """The image files (or DICOM series folders) ``--data`` names; a clear error otherwise."""
    path = Path(data)
    if path.is_file() and path.suffix.lower() in (".csv", ".json"):
        return _listed_files(path)
    if path.is_file():
        return [path]
    nifti, dicom, other = _classify_folder(path)
    if nifti and not dicom and not other:
        return nifti
    if dicom and not nifti and not other:
        return [path]  # one DICOM series
    found = f"{len(nifti)} NIfTI, {len(dicom)} DICOM and {len(other)} other file(s)"
    example = f" (e.g. {other[0].name})" if other else ""
    raise DataUnavailableError(
        f"--data {data}: a folder must hold only NIfTI files or one DICOM series; found {found}{example}"
    )


def spatial_transforms(spacing: tuple[float, float, float] = DEFAULT_SPACING) -> Any:
    """Reorient to RAS and resample to ``spacing`` mm (MONAI): (C, X, Y, Z) in, the same out."""
    from monai.transforms import Compose, Orientation, Spacing

    # The labels MONAI has always used (R = +x, A = +y, S = +z), given so a later default cannot move them.
    orientation = Orientation(axcodes="RAS", labels=(("L", "R"), ("P", "A"), ("I", "S")))
    return Compose([orientation, Spacing(pixdim=spacing, mode="bilinear")])


def intensity_transform(is_ct: bool) -> Any:
    """The HU window for CT; per-volume percentile normalisation otherwise; both to [0, 1]."""
    from monai.transforms import ScaleIntensityRange, ScaleIntensityRangePercentiles

    if is_ct:
        return ScaleIntensityRange(a_min=CT_WINDOW[0], a_max=CT_WINDOW[1], b_min=0.0, b_max=1.0, clip=True)
    return ScaleIntensityRangePercentiles(lower=0.5, upper=99.5, b_min=0.0, b_max=1.0, clip=True, channel_wise=False)


def load_volume(path: Path, spacing: tuple[float, float, float] = DEFAULT_SPACING) -> torch.Tensor:
    """One preprocessed volume (C, D, H, W) in [0, 1]; C > 1 for a 4D series."""
    if path.is_dir():
        first = next(file for file in sorted(path.iterdir()) if file.is_file() and not file.name.startswith("."))
        reader, is_ct = "PydicomReader", _dicom_modality(first) == "CT"
    elif is_nifti(path):
        reader, is_ct = "NibabelReader", None
    else:
        modality = _dicom_modality(path)
        if modality is None:
            raise DataUnavailableError(f"--data {path}: not a NIfTI or DICOM file")
        reader, is_ct = "PydicomReader", modality == "CT"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # MONAI's optional-decoder notices
            from monai.transforms import LoadImage

            image = LoadImage(image_only=True, ensure_channel_first=True, reader=reader)(str(path))
            image = spatial_transforms(spacing)(image)
    except DataUnavailableError:
        raise
    except Exception as error:  # a corrupt file: one line, not a traceback
        raise DataUnavailableError(f"--data {path}: cannot read it as an image ({type(error).__name__})") from error
    if image.dim() != 4:
        raise DataUnavailableError(f"--data {path}: expected a 3D or 4D image, got shape {tuple(image.shape)}")
    if is_ct is None:
        is_ct = float(image.min()) < -500.0  # air in Hounsfield units; MRI and PET are >= 0
    scaled = torch.as_tensor(intensity_transform(is_ct)(image), dtype=torch.float32)
    # (C, X, Y, Z) in RAS -> (C, Z, Y, X), then flip: (S->I, A->P, R->L), the synthetic CT's order.
    return scaled.permute(0, 3, 2, 1).flip(1, 2, 3).contiguous()


def random_crop(volume: torch.Tensor, shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
    """A random ``shape`` crop of the trailing axes of ``volume`` (C, ...) at native resolution,
    zero-padded (symmetrically) along any axis where the volume is smaller."""
    spatial = volume.shape[-len(shape) :]
    padding: list[int] = []
    for side, want in zip(reversed(spatial), reversed(shape), strict=True):
        extra = max(0, want - side)
        padding += [extra // 2, extra - extra // 2]
    volume = torch.nn.functional.pad(volume, padding)
    region = [slice(None)] * (volume.dim() - len(shape))
    for side, want in zip(volume.shape[-len(shape) :], shape, strict=True):
        start = int(torch.randint(side - want + 1, (1,), generator=generator))
        region.append(slice(start, start + want))
    return volume[tuple(region)]


class VolumeSource:
    """Random native-resolution crops of the user's preprocessed volumes."""

    def __init__(self, files: list[Path], description: str, spacing: tuple[float, float, float] = DEFAULT_SPACING):
        self.files = files
        self.description = description
        self.spacing = spacing
        self.dimension = 3
        self._load = functools.lru_cache(maxsize=CACHED_VOLUMES)(lambda index: load_volume(self.files[index], spacing))
        self.series = self._load(0).shape[0] > 1  # fail early, on the first file, if unreadable

    def _pick(self, generator: torch.Generator) -> torch.Tensor:
        return self._load(int(torch.randint(len(self.files), (1,), generator=generator)))

    def sample(self, count: int, shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
        crops = []
        for _ in range(count):
            volume = self._pick(generator)
            volume = volume[int(torch.randint(volume.shape[0], (1,), generator=generator))][None]  # one channel
            if len(shape) == 2:  # an axial slice from the middle 60% of the volume
                depth = volume.shape[1]
                volume = volume[
                    :, int(depth * 0.2) + int(torch.randint(max(1, int(depth * 0.6)), (1,), generator=generator))
                ]
            crops.append(random_crop(volume, shape, generator))
        return torch.stack(crops)  # (count, 1, *shape)

    def sample_series(
        self, count: int, volumes: int, shape: tuple[int, int, int], generator: torch.Generator
    ) -> torch.Tensor:
        if not self.series or self._load(0).shape[0] < volumes:
            raise DataUnavailableError(
                f"{self.description} is not a 4D series of at least {volumes} volumes; "
                "use synthetic or a 4D .nii/.nii.gz diffusion series"
            )
        return torch.stack([random_crop(self._pick(generator)[:volumes], shape, generator) for _ in range(count)])


def crop_loader(files: list[Path], shape: tuple[int, int, int], batch_size: int, workers: int) -> Any:
    """A MONAI ``Dataset`` + ``DataLoader`` (``workers`` processes) of random native-resolution
    crops: the whole pipeline per sample, for throughput (``bench/refs_speed.py``) and for
    pipelines that stream more volumes than fit in memory."""
    from monai.data import DataLoader, Dataset
    from monai.transforms import Compose, Lambda, RandSpatialCrop, SpatialPad

    pipeline = Compose(
        [
            Lambda(lambda path: load_volume(Path(path))),
            SpatialPad(spatial_size=shape),
            RandSpatialCrop(roi_size=shape, random_size=False),
        ]
    )
    return DataLoader(Dataset([str(file) for file in files], pipeline), batch_size=batch_size, num_workers=workers)


def open_volumes(data: str) -> VolumeSource:
    """``--data`` as a ``VolumeSource``: one line of error for anything MONAI cannot use."""
    files = resolve_volumes(data)
    kind = "DICOM series" if files[0].is_dir() else f"{len(files)} volume(s)"
    return VolumeSource(files, f"{Path(data).name} ({kind}, MONAI pipeline)")
