"""The registry and ``refs list``: torch-free, complete, consistent with the catalog ids."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from runnable_refs import list_references
from runnable_refs.cli import main
from runnable_refs.errors import UnknownReferenceError
from runnable_refs.registry import REFERENCES, get_reference

REQUIRED = {
    "rotation_2d": "taleb2020-3d-self-supervised-methods",
    "rotation_3d": "taleb2020-3d-self-supervised-methods",
    "relative_patch_location_3d": "taleb2020-3d-self-supervised-methods",
    "jigsaw_3d": "taleb2020-3d-self-supervised-methods",
    "rubiks_cube": "zhuang2019-rubiks-cube",
    "context_restoration": "chen2019-context-restoration",
    "models_genesis": "zhou2019-models-genesis",
    "moco_cxr": "sowrirajan2021-moco-cxr",
    "global_local_contrastive": "chaitanya2020-global-local-contrastive",
    "mae": "xing2023-mae-covid-cxr",
    "dino": "shakouri2023-dino-cxr",
    "image_text_contrastive": "tiu2022-chexzero",
    "vox2vec": "goncharov2023-vox2vec",
    "patch2self": "fadnavis2020-patch2self",
    "swin_unetr_pretext": "tang2022-swin-unetr-pretraining",
}
CATALOG_ID = re.compile(r"^[a-z]+[0-9]{4}-[a-z0-9]+(-[a-z0-9]+)*$")


def test__every_required_reference_has_its_paper_id() -> None:
    assert {r.name: r.paper for r in REFERENCES} == REQUIRED


@pytest.mark.parametrize("reference", REFERENCES, ids=lambda r: r.name)
def test__reference_entry_is_well_formed(reference) -> None:
    assert CATALOG_ID.match(reference.paper), f"{reference.paper} is not a catalog id"
    assert all(CATALOG_ID.match(paper) for paper in reference.also_cites)
    assert reference.dimension in ("2D", "3D")
    assert len(reference.input_shape) == (3 if reference.dimension == "2D" else 4)
    assert reference.module == f"runnable_refs.{reference.name}"


def test__image_text_also_cites_convirt() -> None:
    assert get_reference("image_text_contrastive").also_cites == ("zhang2022-convirt",)


def test__list_references_is_json_ready_and_sorted() -> None:
    rows = list_references()
    assert [row["name"] for row in rows] == sorted(REQUIRED)
    assert json.loads(json.dumps(rows)) == rows
    assert set(rows[0]) >= {"name", "paper", "pretext", "dimension", "input_shape", "module"}


def test__unknown_name_suggests_the_closest() -> None:
    with pytest.raises(UnknownReferenceError, match="Did you mean 'models_genesis'"):
        get_reference("model_genesis")


def test__refs_list_json_prints_name_and_paper(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {row["name"]: row["paper"] for row in rows} == REQUIRED


def test__refs_list_table_shows_paper_dimension_and_shape(capsys) -> None:
    assert main(["list"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("models_genesis"))
    assert "zhou2019-models-genesis" in line and "3D" in line and "1x32x32x32" in line


BLOCK_TORCH = "import sys; sys.modules['torch'] = None; "


REPO_ROOT = Path(__file__).resolve().parents[2]


def run_without_torch(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter where ``import torch`` fails."""
    return subprocess.run(
        [sys.executable, "-c", BLOCK_TORCH + code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
    )


def test__registry_and_list_work_without_torch() -> None:
    done = run_without_torch(
        "import runnable_refs; from runnable_refs.cli import main; "
        "assert len(runnable_refs.list_references()) == 15; raise SystemExit(main(['list']))"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "models_genesis" in done.stdout


def test__run_without_torch_explains_how_to_install_it() -> None:
    done = run_without_torch("from runnable_refs.cli import main; raise SystemExit(main(['run', 'models_genesis']))")
    assert done.returncode == 2
    assert "install the refs extra: pip install -e '.[refs]'" in done.stderr
    assert "Traceback" not in done.stderr
