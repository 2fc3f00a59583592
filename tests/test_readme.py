"""The README renderer on tiny catalogs, and the real README's freshness and lint."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from site_builder.catalog.load import load_catalog
from site_builder.render.readme import SITE_URL, ReadmeReference, render_readme
from tests.conftest import GOOD_PAPER, REPO


def readme_for(catalog_dir: Path) -> str:
    result = load_catalog(catalog_dir)
    assert result.problems == []
    reference = ReadmeReference(
        "models_genesis",
        "runnable_refs/models_genesis.py",
        "https://github.com/o/r/blob/main/runnable_refs/models_genesis.py",
        "medssl refs run models_genesis --device auto",
        "zhou2019-models-genesis",
        "restore corrupted volumes",
        "3D",
    )
    return render_readme(result.catalog, [reference])


def test__a_paper_is_one_line_under_its_main_task(catalog_dir, write_paper):
    write_paper("zhou2019-models-genesis", GOOD_PAPER + "refs: [models_genesis]\n")
    readme = readme_for(catalog_dir)
    expected = (
        "### Segmentation\n\n"
        "- [Models Genesis: Generic Autodidactic Models for 3D Medical Image Analysis]"
        "(https://arxiv.org/abs/1908.06912) - 2019, MICCAI. CT · 3D · generative. "
        "[Code](https://github.com/MrGiovanni/ModelsGenesis), "
        "[Reference: models\\_genesis](runnable_refs/models_genesis.py).\n"
    )
    assert expected in readme
    assert "  - [Segmentation](#segmentation)\n" in readme


def test__sections_follow_the_taxonomy_and_papers_go_newest_first(catalog_dir, write_paper):
    for paper_id, year, task in [
        ("a", 2018, "segmentation"),
        ("b", 2021, "segmentation"),
        ("c", 2020, "classification"),
    ]:
        write_paper(
            paper_id,
            f"title: Paper {paper_id}\nyear: {year}\nvenue: ISBI\nmodality: [MRI]\ntask: [{task}]\n"
            f"method: [contrastive]\nlinks:\n  paper: https://example.org/{paper_id}\n",
        )
    readme = readme_for(catalog_dir)
    order = [
        readme.index(marker)
        for marker in ("### Classification", "[Paper c]", "### Segmentation", "[Paper b]", "[Paper a]")
    ]
    assert order == sorted(order)


def test__markdown_and_html_in_a_title_stay_text(catalog_dir, write_paper):
    write_paper(
        "x",
        GOOD_PAPER.replace(
            GOOD_PAPER.splitlines()[0], 'title: "Evil](https://evil.example) <script>alert(1)</script> *bold* | cell"'
        ),
    )
    readme = readme_for(catalog_dir)
    line = next(line for line in readme.splitlines() if "Evil" in line)
    assert line.startswith(
        "- [Evil\\](https://evil.example) \\<script\\>alert(1)\\</script\\> \\*bold\\* \\| cell](https://arxiv.org/abs/1908.06912)"
    )
    assert "<script>" not in readme


def test__rendering_is_deterministic(catalog_dir, write_paper):
    write_paper("zhou2019-models-genesis", GOOD_PAPER)
    write_paper("b", GOOD_PAPER.replace("Models Genesis", "B").replace('"1908.06912"', '"2004.07882"'))
    assert readme_for(catalog_dir) == readme_for(catalog_dir)


def test__foundations_have_their_own_section(catalog_dir, write_paper):
    write_paper(
        "he2022-mae",
        "title: Masked Autoencoders Are Scalable Vision Learners\nyear: 2022\nvenue: CVPR\nmodality: [natural-images]\n"
        'task: [representation-learning]\nmethod: [masked-image-modelling]\nscope: foundations\narxiv: "2111.06377"\n',
    )
    readme = readme_for(catalog_dir)
    assert "## Foundations" in readme and "- [Foundations](#foundations)" in readme
    assert "### Representation learning" not in readme


def test__committed_readme_is_current():
    from site_builder.build import build_readme

    assert build_readme(REPO, check=True).endswith("is up to date")


def test__readme_passes_awesome_lint(tmp_path):
    # awesome-lint's github rule wants a checkout whose branch has a GitHub remote; a CI clone
    # has none, so lint a copy set up that way (its one API call fails fast offline).
    lint = REPO / "node_modules" / ".bin" / "awesome-lint"
    if not lint.exists():
        pytest.skip("awesome-lint is not installed: run `npm ci` (make test does)")
    for name in ("README.md", "CONTRIBUTING.md", "LICENSE"):
        shutil.copy(REPO / name, tmp_path / name)
    git = ["git", "-c", "user.email=ci@example.org", "-c", "user.name=ci"]
    for command in (
        ["init", "-q", "-b", "main"],
        ["remote", "add", "origin", "https://github.com/awesome-ssl-medical-imaging/awesome-ssl-medical-imaging.git"],
        ["config", "branch.main.remote", "origin"],
        ["add", "-A"],
        ["commit", "-q", "-m", "lint"],
    ):
        subprocess.run([*git, *command], cwd=tmp_path, check=True)
    result = subprocess.run([str(lint), "README.md"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test__runnable_references_get_a_section_with_their_run_command(catalog_dir, write_paper):
    write_paper("zhou2019-models-genesis", GOOD_PAPER + "refs: [models_genesis]\n")
    readme = readme_for(catalog_dir)
    assert "- [Runnable references](#runnable-references)" in readme
    assert (
        "- [models\\_genesis](https://github.com/o/r/blob/main/runnable_refs/models_genesis.py) - "
        "3D, restore corrupted volumes, "
        "after [Models Genesis: Generic Autodidactic Models for 3D Medical Image Analysis]"
        "(https://arxiv.org/abs/1908.06912). Run: `medssl refs run models_genesis --device auto`.\n"
    ) in readme


def _paper_with_result(paper_id: str, value: float) -> str:
    return (
        f"title: Paper {paper_id}\nyear: 2021\nvenue: ISBI\nmodality: [CT]\ntask: [segmentation]\n"
        f"method: [contrastive]\nlinks:\n  paper: https://example.org/{paper_id}\nresults:\n"
        f"  - {{dataset: BTCV, task: segmentation, metric: Dice, value: {value}, printed: '{value}', "
        "protocol: fine-tune, label_fraction: 1, model: Ours, where: Table 1}\n"
    )


def test__a_dataset_with_a_leaderboard_is_listed_under_benchmarks_with_its_site_page(catalog_dir, write_paper):
    write_paper("a", _paper_with_result("a", 80.1))
    readme = readme_for(catalog_dir)
    assert "## Benchmarks" not in readme and "(#benchmarks)" not in readme  # one paper ranks nothing
    write_paper("b", _paper_with_result("b", 81.2))
    readme = readme_for(catalog_dir)
    assert "- [Benchmarks](#benchmarks)\n" in readme  # awesome-lint: the ToC lists every ## section
    assert f"- [BTCV]({SITE_URL}datasets/btcv/) - 1 leaderboard (Dice) from 2 papers.\n" in readme
    assert f"[all leaderboards]({SITE_URL}benchmarks/)" in readme


def test__the_readme_links_the_address_mkdocs_builds_by_default():
    mkdocs = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    assert f'site_url: !ENV [MEDSSL_SITE_URL, "{SITE_URL}"]' in mkdocs
