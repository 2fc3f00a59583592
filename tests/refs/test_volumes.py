"""``--data`` on real 3D files through MONAI: NIfTI files and folders, DICOM series, lists, junk.

Every file is written here, in ``tmp_path``, with nibabel and pydicom.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nibabel = pytest.importorskip("nibabel")
pydicom = pytest.importorskip("pydicom")
pytest.importorskip("monai")

from pydicom.dataset import Dataset, FileMetaDataset  # noqa: E402
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid  # noqa: E402

from runnable_refs.cli import main  # noqa: E402
from runnable_refs.errors import DataUnavailableError  # noqa: E402
from runnable_refs.harness import data_generator, open_source  # noqa: E402
from runnable_refs.harness.volumes import load_volume, random_crop  # noqa: E402


def write_nifti(path, array: np.ndarray, spacing=(1.5, 1.5, 2.0)) -> None:
    """A RAS-aligned NIfTI with voxel sizes ``spacing`` (x, y, z) mm; array axes (x, y, z)."""
    nibabel.save(nibabel.Nifti1Image(array.astype(np.float32), np.diag([*spacing, 1.0])), str(path))


def write_ct_series(folder, hounsfield: np.ndarray, pixel_spacing=0.75, thickness=4.0) -> None:
    """One CT series, a file per slice; ``hounsfield`` is (slices, rows, columns), stored with
    intercept -1024 as scanners do, so a reader must apply the rescale to get HU back."""
    folder.mkdir()
    series, study = generate_uid(), generate_uid()
    for index, plane in enumerate(hounsfield):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CTImageStorage
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, meta.MediaStorageSOPInstanceUID
        ds.Modality, ds.SeriesInstanceUID, ds.StudyInstanceUID, ds.PatientID = "CT", series, study, "anon"
        ds.Rows, ds.Columns = plane.shape
        ds.PixelSpacing, ds.SliceThickness = [pixel_spacing, pixel_spacing], thickness
        ds.ImagePositionPatient, ds.ImageOrientationPatient = [0, 0, thickness * index], [1, 0, 0, 0, 1, 0]
        ds.InstanceNumber = index + 1
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.RescaleSlope, ds.RescaleIntercept = 1, -1024
        ds.PixelData = (plane + 1024).astype(np.int16).tobytes()
        ds.save_as(folder / f"slice{index:03d}.dcm", enforce_file_format=True)


def test__nifti_is_resampled_to_the_common_spacing(tmp_path) -> None:
    signal = np.random.default_rng(0).uniform(0, 100, (20, 20, 10))
    write_nifti(tmp_path / "scan.nii.gz", signal, spacing=(0.75, 0.75, 4.0))
    volume = load_volume(tmp_path / "scan.nii.gz")  # to 1.5 x 1.5 x 2.0 mm
    # (C, z, y, x): 10 slices 4 mm apart span 36 mm, 19 slices at 2 mm; 20 x 0.75 mm -> 10 x 1.5 mm
    assert tuple(volume.shape) == (1, 19, 10, 10)


def test__ct_nifti_is_hounsfield_windowed(tmp_path) -> None:
    hounsfield = np.full((8, 8, 8), -1000.0)
    hounsfield[2:6, 2:6, 2:6] = 40.0  # soft tissue in air
    write_nifti(tmp_path / "ct.nii", hounsfield)
    volume = load_volume(tmp_path / "ct.nii")
    assert float(volume.min()) == pytest.approx(0.0)
    assert float(volume.max()) == pytest.approx((40 + 1000) / 2000, abs=1e-4)


def test__mri_nifti_is_normalised_per_volume(tmp_path) -> None:
    signal = np.random.default_rng(0).uniform(100, 900, (8, 8, 8))
    write_nifti(tmp_path / "t1.nii.gz", signal)
    volume = load_volume(tmp_path / "t1.nii.gz")
    assert 0.0 <= float(volume.min()) < 0.05 and 0.95 < float(volume.max()) <= 1.0


def test__dicom_series_gets_hounsfield_units_and_spacing(tmp_path) -> None:
    hounsfield = np.full((5, 16, 16), 40)
    hounsfield[:, :4] = -1000
    write_ct_series(tmp_path / "series", hounsfield)
    volume = load_volume(tmp_path / "series")
    assert tuple(volume.shape) == (1, 9, 8, 8)  # 5 slices 4 mm apart -> 9 at 2 mm; 0.75 -> 1.5 mm pixels
    assert float(volume.min()) == pytest.approx(0.0, abs=1e-4)
    assert float(volume.max()) == pytest.approx(0.52, abs=1e-3)


def test__crops_keep_native_resolution() -> None:
    volume = torch.arange(10 * 12 * 14, dtype=torch.float).view(1, 10, 12, 14)
    crop = random_crop(volume, (4, 5, 6), data_generator(0))
    assert crop.shape == (1, 4, 5, 6)
    d, h, w = (int(index) for index in (volume[0] == crop[0, 0, 0, 0]).nonzero()[0])
    assert torch.equal(crop, volume[:, d : d + 4, h : h + 5, w : w + 6])  # a block, not a resize


def test__small_volumes_are_padded_not_stretched() -> None:
    crop = random_crop(torch.ones(1, 2, 3, 4), (4, 4, 4), data_generator(0))
    assert crop.shape == (1, 4, 4, 4) and float(crop.sum()) == 2 * 3 * 4


@pytest.mark.parametrize("kind", ["folder", "csv", "json"])
def test__folders_and_lists_of_nifti_feed_a_3d_method(tmp_path, kind: str) -> None:
    folder = tmp_path / "scans"
    folder.mkdir()
    for index in range(2):
        hounsfield = np.full((24, 24, 24), -1000.0)
        hounsfield[:, :, 8:16] = -500.0 + 500 * index  # a slab of -500 HU, or of 0 HU
        write_nifti(folder / f"scan{index}.nii.gz", hounsfield)
    data = {"folder": folder, "csv": tmp_path / "list.csv", "json": tmp_path / "list.json"}[kind]
    (tmp_path / "list.csv").write_text("image\nscans/scan0.nii.gz\nscans/scan1.nii.gz\n")
    (tmp_path / "list.json").write_text(json.dumps(["scans/scan0.nii.gz", {"image": "scans/scan1.nii.gz"}]))
    source = open_source(str(data), 3)
    assert len(source.files) == 2
    crops = source.sample(6, (16, 16, 16), data_generator(0))
    assert crops.shape == (6, 1, 16, 16, 16)
    assert {round(float(c.max()), 3) for c in crops} <= {0.0, 0.25, 0.5}  # air, -500 HU, 0 HU


def test__run_trains_on_a_dicom_series(tmp_path, capsys) -> None:
    write_ct_series(tmp_path / "series", np.full((12, 24, 24), 40), pixel_spacing=1.5, thickness=2.0)
    argv = ["run", "models_genesis", "--tiny", "--steps", "2", "--device", "cpu", "--no-progress"]
    assert main([*argv, "--data", str(tmp_path / "series"), "--out", str(tmp_path / "out")]) == 0
    assert "2 steps" in capsys.readouterr().out


@pytest.mark.parametrize("content", ["junk", "mixed"])
def test__a_junk_or_mixed_folder_is_one_line_and_exit_2(tmp_path, capsys, content: str) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "notes.txt").write_text("not an image")
    if content == "mixed":
        write_nifti(folder / "scan.nii.gz", np.zeros((8, 8, 8)))
        (folder / "notes.txt").unlink()
        write_ct_series(tmp_path / "series", np.full((2, 8, 8), 40))
        (tmp_path / "series" / "slice000.dcm").rename(folder / "slice.dcm")
    assert main(["run", "models_genesis", "--tiny", "--steps", "1", "--device", "cpu", "--data", str(folder)]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "a folder must hold only NIfTI files or one DICOM series" in error
    assert ("1 other file(s) (e.g. notes.txt)" if content == "junk" else "1 NIfTI, 1 DICOM") in error


def test__an_unreadable_nifti_is_a_usage_error(tmp_path) -> None:
    (tmp_path / "broken.nii.gz").write_bytes(b"not gzip at all")
    with pytest.raises(DataUnavailableError, match="cannot read it as an image"):
        open_source(str(tmp_path / "broken.nii.gz"), 3)
