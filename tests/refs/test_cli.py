"""``medssl refs`` commands: run, probe and smoke, their output and their exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from runnable_refs.cli import main  # noqa: E402
from runnable_refs.harness.training import load_checkpoint  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]


def test__run_saves_a_checkpoint_under_runs_by_default(capsys: pytest.CaptureFixture[str]):
    assert main(["run", "rotation_2d", "--tiny", "--steps", "3", "--device", "cpu", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "3 steps" in out and "steps/s on cpu" in out
    saved = load_checkpoint(Path("runs/rotation_2d/checkpoint.pt"))
    assert saved["reference"] == "rotation_2d"
    assert saved["paper"] == "taleb2020-3d-self-supervised-methods"
    assert len(saved["losses"]) == 3 and saved["config"]["steps"] == 3


def test__run_shows_a_progress_bar_with_loss_speed_and_device(capsys) -> None:
    assert main(["run", "mae", "--tiny", "--steps", "2", "--device", "cpu", "--out", "m"]) == 0
    bar = capsys.readouterr().err
    assert "loss=" in bar and "steps_per_s=" in bar and "device=cpu" in bar


def test__probe_prints_pretrained_and_random_init_scores(tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                "rotation_2d",
                "--tiny",
                "--steps",
                "5",
                "--device",
                "cpu",
                "--out",
                str(out),
                "--no-progress",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert (
        main(
            [
                "probe",
                "rotation_2d",
                "--checkpoint",
                str(out / "checkpoint.pt"),
                "--device",
                "cpu",
                "--labels",
                "16",
            ]
        )
        == 0
    )
    report = capsys.readouterr().out
    assert "AUROC" in report and "linear probe" in report and "fine-tune" in report
    rows = {line.split()[0]: line for line in report.splitlines() if line.startswith(("pre", "ran"))}
    assert set(rows) == {"pretrained", "random"}


def test__probe_without_a_checkpoint_says_to_run_first(capsys) -> None:
    assert main(["probe", "models_genesis", "--device", "cpu"]) == 2
    assert "medssl refs run models_genesis" in capsys.readouterr().err


def test__probe_of_a_denoiser_is_a_usage_error(capsys) -> None:
    assert main(["probe", "patch2self", "--device", "cpu"]) == 2
    assert "no classification probe" in capsys.readouterr().err


def test__smoke_command_prints_a_table_with_the_pretext_criteria_and_exits_zero(capsys) -> None:
    assert main(["smoke", "patch2self", "mae", "--device", "cpu"]) == 0
    table = capsys.readouterr().out
    assert "reference" in table and "patch2self" in table and "mae" in table
    assert "masked-patch error" in table and "mean baseline" in table
    assert "FAILED" not in table


def test__run_resumes_a_checkpoint_and_says_how_to_export(tmp_path, capsys) -> None:
    argv = ["run", "rotation_2d", "--tiny", "--device", "cpu", "--no-progress", "--out", str(tmp_path)]
    assert main([*argv, "--steps", "2"]) == 0
    assert f"next: medssl refs export rotation_2d --checkpoint {tmp_path / 'checkpoint.pt'}" in capsys.readouterr().out
    assert main([*argv, "--steps", "5", "--resume", str(tmp_path / "checkpoint.pt")]) == 0
    assert "3 more steps" in capsys.readouterr().out
    assert len(load_checkpoint(tmp_path / "checkpoint.pt")["losses"]) == 5


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test__cuda_without_cuda_is_exit_2_with_a_clear_message(capsys) -> None:
    assert main(["run", "rotation_2d", "--device", "cuda", "--steps", "1"]) == 2
    assert "CUDA is not available" in capsys.readouterr().err


def test__unknown_reference_is_exit_2_with_a_suggestion(capsys) -> None:
    assert main(["smoke", "mea", "--device", "cpu"]) == 2
    assert "Did you mean 'mae'" in capsys.readouterr().err


def test__bad_arguments_are_exit_2(capsys) -> None:
    assert main(["run"]) == 2
    assert main(["run", "mae", "--steps", "0"]) == 2


def test__data_a_method_cannot_use_is_exit_2(capsys) -> None:
    assert main(["run", "rotation_3d", "--data", "dicom-sample", "--steps", "1"]) == 2
    assert "needs 3D volumes" in capsys.readouterr().err
    assert main(["run", "image_text_contrastive", "--data", "retina-sample", "--steps", "1"]) == 2
    assert "needs --data synthetic" in capsys.readouterr().err


def test__run_trains_on_a_package_sample(capsys) -> None:
    assert (
        main(
            [
                "run",
                "models_genesis",
                "--tiny",
                "--steps",
                "2",
                "--device",
                "cpu",
                "--data",
                "nifti-sample",
                "--no-progress",
            ]
        )
        == 0
    )
    assert "2 steps" in capsys.readouterr().out


def test__a_method_module_runs_as_a_script(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "runnable_refs.rotation_3d",
            "--tiny",
            "--steps",
            "2",
            "--device",
            "cpu",
            "--out",
            str(tmp_path),
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "checkpoint.pt").exists()


def test__smoke_skips_methods_the_data_cannot_feed(capsys) -> None:
    assert main(["smoke", "rotation_3d", "rotation_2d", "--data", "dicom-sample", "--device", "cpu"]) == 0
    table = capsys.readouterr().out
    assert "skipped: --data dicom-sample" in table
    assert "rotation_2d" in table and "FAILED" not in table
