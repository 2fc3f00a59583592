"""From pretraining to use: export, load_encoder, fine-tune, resume, --config, official Swin keys."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

torch = pytest.importorskip("torch")
pytest.importorskip("monai")

import runnable_refs  # noqa: E402
from runnable_refs import mae, models_genesis, swin_unetr_pretext  # noqa: E402
from runnable_refs.cli import main  # noqa: E402
from runnable_refs.harness.distributed import weight_digest  # noqa: E402
from runnable_refs.harness.export import export_encoder  # noqa: E402
from runnable_refs.harness.finetune import finetune, segmentation_model  # noqa: E402
from runnable_refs.harness.recipe import pretrain  # noqa: E402
from runnable_refs.harness.training import load_checkpoint  # noqa: E402

RUN = ["--tiny", "--device", "cpu", "--no-progress"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, Path]:
    """rotation_2d (2D) and models_genesis (3D): a few pretraining steps each, exported."""
    folder = tmp_path_factory.mktemp("exported")
    paths = {}
    for name in ("rotation_2d", "models_genesis"):
        assert main(["run", name, *RUN, "--steps", "4", "--out", str(folder / name)]) == 0
        checkpoint = folder / name / "checkpoint.pt"
        assert main(["export", name, "--checkpoint", str(checkpoint), "-o", str(folder / f"{name}.pt")]) == 0
        paths[name] = folder / f"{name}.pt"
    return paths


@pytest.mark.parametrize("name", ["rotation_2d", "models_genesis"])
def test__export_writes_the_backbone_and_a_card(exported, name: str) -> None:
    card = json.loads(exported[name].with_suffix(".json").read_text())
    assert card["method"] == name and card["steps"] == 4 and card["data"] == "synthetic"
    assert {"backbone", "input_size", "channels", "normalisation", "feature_dim", "config"} <= set(card)
    # Models Genesis hands on its whole U-Net (the paper fine-tunes the decoder too).
    expected = {"rotation_2d": "ConvEncoder", "models_genesis": "UNet"}[name]
    assert card["backbone"] == f"runnable_refs.harness.networks.{expected}"


@pytest.mark.parametrize("name", ["rotation_2d", "models_genesis"])
def test__load_encoder_returns_the_pretrained_backbone_ready(exported, name: str) -> None:
    encoder = runnable_refs.load_encoder(exported[name])
    assert not encoder.training
    checkpoint = load_checkpoint(exported[name].parent / name / "checkpoint.pt")
    pretrained = {k.removeprefix("encoder.").removeprefix("unet."): v for k, v in checkpoint["state_dict"].items()}
    for key, value in encoder.state_dict().items():
        assert torch.equal(value, pretrained.get(key, pretrained.get(f"encoder.{key}")))
    shape = (2, encoder.card["channels"], *encoder.card["input_size"])
    assert encoder.features(torch.rand(shape)).shape == (2, encoder.card["feature_dim"])


def test__finetune_2d_classification_scores_both_networks(exported, capsys) -> None:
    argv = ["finetune", "rotation_2d", "--encoder", str(exported["rotation_2d"]), "--task", "classification"]
    assert main([*argv, "--device", "cpu", "--steps", "3", "--labels", "8"]) == 0
    report = capsys.readouterr().out
    assert "metric: AUROC" in report
    scores = {line[:14].strip(): float(line[14:22]) for line in report.splitlines() if line.startswith(("pre", "ran"))}
    assert set(scores) == {"pretrained", "random init"} and all(0 <= v <= 1 for v in scores.values())


def test__finetune_3d_segmentation_reports_dice_for_both(exported, device: str) -> None:
    report = finetune(
        exported["models_genesis"], "segmentation", "synthetic", device, steps=3, train_count=4, test_count=2
    )
    assert report.metric == "Dice" and 0.0 <= report.pretrained <= 1.0 and 0.0 <= report.random_init <= 1.0


def test__finetune_runs_on_nifti_image_label_pairs(exported, tmp_path) -> None:
    nibabel = pytest.importorskip("nibabel")
    hounsfield = np.full((24, 24, 24), 40.0)
    label = np.zeros((24, 24, 24))
    hounsfield[8:14, 8:14, 8:14], label[8:14, 8:14, 8:14] = -30.0, 1.0
    for name, array in (("ct.nii.gz", hounsfield), ("ct_label.nii.gz", label)):
        nibabel.save(nibabel.Nifti1Image(array.astype(np.float32), np.diag([1.5, 1.5, 2.0, 1.0])), str(tmp_path / name))
    (tmp_path / "pairs.csv").write_text("image,label\nct.nii.gz,ct_label.nii.gz\n")
    report = finetune(exported["models_genesis"], "segmentation", str(tmp_path / "pairs.csv"), "cpu", 2, 3, 0, 2)
    assert report.train_count == 3 and report.test_count == 2


def test__segmentation_of_a_2d_encoder_is_exit_2(exported, capsys) -> None:
    argv = ["finetune", "rotation_2d", "--encoder", str(exported["rotation_2d"]), "--task", "segmentation"]
    assert main([*argv, "--device", "cpu", "--steps", "1"]) == 2
    assert "needs a 3D encoder" in capsys.readouterr().err


def test__resume_ends_where_an_uninterrupted_run_ends(tmp_path) -> None:
    recipe = models_genesis.RECIPE
    config = dataclasses.replace(recipe.smoke_config, steps=6)
    whole = pretrain(recipe, config, device="cpu", progress=False).task
    pretrain(recipe, config, device="cpu", out_dir=tmp_path, progress=False, stop_after=3)
    resumed = pretrain(recipe, config, device="cpu", progress=False, resume=tmp_path / "checkpoint.pt").task
    assert weight_digest(resumed) == weight_digest(whole)


def test__config_prints_every_field_and_a_config_file_sets_them(tmp_path, capsys) -> None:
    assert main(["config", "mae", "--tiny"]) == 0
    fields = yaml.safe_load(capsys.readouterr().out)
    assert set(fields) == {field.name for field in dataclasses.fields(mae.RECIPE.config)}
    fields.update(mask_ratio=0.5, steps=2)
    (tmp_path / "mae.yaml").write_text(yaml.safe_dump(fields))
    assert main(["run", "mae", "--config", str(tmp_path / "mae.yaml"), *RUN[1:], "--out", str(tmp_path)]) == 0
    saved = load_checkpoint(tmp_path / "checkpoint.pt")["config"]
    assert saved["mask_ratio"] == 0.5 and saved["steps"] == 2 and saved["dim"] == fields["dim"]


def test__a_config_file_with_an_unknown_field_is_exit_2(tmp_path, capsys) -> None:
    (tmp_path / "bad.yaml").write_text("mask_ratoi: 0.5\n")
    assert main(["run", "mae", "--config", str(tmp_path / "bad.yaml"), "--steps", "1"]) == 2
    assert "unknown field(s) mask_ratoi" in capsys.readouterr().err


def official_swin_state(config) -> dict[str, torch.Tensor]:
    """A state dict named as the authors' released Swin UNETR encoder (``module.`` prefix),
    built from MONAI's own SwinUNETR so the names are the real ones."""
    from monai.networks.nets import SwinUNETR

    torch.manual_seed(1)
    model = SwinUNETR(
        in_channels=1,
        out_channels=1,
        feature_size=config.feature_size,
        depths=config.depths,
        num_heads=config.num_heads,
        window_size=config.window_size,
    )
    return {
        "module." + k.removeprefix("swinViT."): v for k, v in model.state_dict().items() if k.startswith("swinViT.")
    }


def test__official_swin_weights_load_into_the_reference_and_export_into_swin_unetr() -> None:
    config = swin_unetr_pretext.RECIPE.smoke_config
    official = official_swin_state(config)
    assert "module.patch_embed.proj.weight" in official and "module.layers1.0.blocks.0.norm1.weight" in official
    task = swin_unetr_pretext.SwinUnetrPretextTask(config)
    missing = swin_unetr_pretext.load_official_weights(task, official)
    assert all(not key.startswith("encoder.swinViT.") for key in missing)  # the whole encoder loaded
    assert torch.equal(task.swinViT.patch_embed.proj.weight, official["module.patch_embed.proj.weight"])
    card = {
        "method": "swin_unetr_pretext",
        "input_size": [64, 64, 64],
        "channels": 1,
        "config": dataclasses.asdict(config),
    }
    model = segmentation_model(task.encoder, card)
    assert type(model).__name__ == "SwinUNETR"
    assert torch.equal(
        model.swinViT.layers1[0].blocks[0].norm1.weight, official["module.layers1.0.blocks.0.norm1.weight"]
    )


def test__an_exported_encoder_needs_the_file(tmp_path, capsys) -> None:
    assert main(["finetune", "mae", "--encoder", str(tmp_path / "none.pt"), "--task", "classification"]) == 2
    assert "no exported encoder" in capsys.readouterr().err


def test__export_refuses_another_methods_checkpoint(exported, tmp_path) -> None:
    from runnable_refs.errors import UsageError

    checkpoint = exported["rotation_2d"].parent / "rotation_2d" / "checkpoint.pt"
    with pytest.raises(UsageError, match="holds 'rotation_2d'"):
        export_encoder(models_genesis.RECIPE, checkpoint, tmp_path / "x.pt")


def test__denoise_writes_a_denoised_nifti_closer_to_the_clean_series(tmp_path, capsys) -> None:
    nibabel = pytest.importorskip("nibabel")
    from runnable_refs.harness import data_generator
    from runnable_refs.harness.synthetic import synthetic_diffusion_series

    noisy, clean = synthetic_diffusion_series(1, 6, (20, 20, 20), data_generator(3))
    affine = np.diag([2.0, 2.0, 2.0, 1.0])
    to_nifti = lambda series: (1000 * series[0]).permute(1, 2, 3, 0).numpy()  # noqa: E731 (x, y, z, volume)
    nibabel.save(nibabel.Nifti1Image(to_nifti(noisy), affine), str(tmp_path / "dwi.nii.gz"))
    argv = ["denoise", "patch2self", "--input", str(tmp_path / "dwi.nii.gz"), "-o", str(tmp_path / "out.nii.gz")]
    assert main([*argv, "--device", "cpu", "--steps", "150"]) == 0
    written = nibabel.load(str(tmp_path / "out.nii.gz"))
    assert written.shape == (20, 20, 20, 6) and np.allclose(written.affine, affine)
    error = lambda series: float(((series - to_nifti(clean)) ** 2).mean())  # noqa: E731
    assert error(written.get_fdata()) < error(to_nifti(noisy))
    assert "denoised series" in capsys.readouterr().out
