"""Which sources count as the primary record an entry is verified against, and what doctor makes of it."""

from __future__ import annotations

import pytest

from site_builder.catalog.load import load_catalog
from site_builder.catalog.primary_records import is_primary_record, primary_records
from site_builder.catalog.quality import quality_report
from tests.conftest import GOOD_PAPER

WEIGHTS = (
    "weights:\n  - url: https://huggingface.co/MrGiovanni/genesis\n    host: huggingface\n"
    "  - url: https://drive.google.com/file/d/genesis\n    host: drive\n"
)


@pytest.fixture
def paper(catalog_dir, write_paper):
    write_paper("zhou2019-models-genesis", GOOD_PAPER + WEIGHTS + "sources: [seed:000_list.txt]\n")
    return load_catalog(catalog_dir).catalog.papers[0]


@pytest.mark.parametrize(
    "source",
    [
        "https://arxiv.org/abs/1908.06912",
        "https://ar5iv.labs.arxiv.org/html/1908.06912",
        "https://link.springer.com/chapter/10.1007/978-3-030-32251-9_42",
        "https://api.openalex.org/works/doi:10.1007/978-3-030-32251-9_42",
        "https://pubmed.ncbi.nlm.nih.gov/32544840/",
        "https://papers.miccai.org/miccai-2023/paper/1.html",
        "https://pure.example.ac.uk/en/publications/models-genesis",
        "https://researchconnect.stonybrook.edu/en/publications/models-genesis",
        "https://research.birmingham.ac.uk/en/publications/models-genesis",
        "https://inrepo02.dkfz.de/record/134894",
        "https://experts.illinois.edu/en/publications/medclip",
        "MrGiovanni/ModelsGenesis:README.md",  # the official repository, any case
        "mrgiovanni/modelsgenesis@0123abc:LICENSE",
        "https://github.com/MrGiovanni/ModelsGenesis/blob/master/README.md",
        "mlresearch/v102:_posts/2019-05-24-lafarge19a.md",  # PMLR's own proceedings repository
        "https://huggingface.co/MrGiovanni/genesis",  # the model card of its own weights
        "https://huggingface.co/MrGiovanni/genesis/blob/main/README.md",
    ],
)
def test__primary_records_are_recognised(paper, source):
    assert is_primary_record(source, paper)


@pytest.mark.parametrize(
    "source",
    [
        "seed:000_list.txt",
        "YutingHe-list/Awesome-Foundation-Models-for-Advancing-Healthcare:vfm/README.md",
        "https://github.com/someone/awesome-medical-ssl",
        "https://tomesphere.com/paper/1908.06912",
        "https://arxiv.longhoe.net/html/1908.06912",  # a proxy host is a copy, not the record
        "https://notarxiv.org/abs/1908.06912",
        "https://arxiv.org.example.com/abs/1908.06912",
        "https://huggingface.co/someone-else/genesis",
        "https://huggingface.co/MrGiovanni/genesis-lookalike",
        "https://drive.google.com/file/d/genesis",  # a checkpoint file is not a record of the paper
        "https://research.gehealthcare.com/models-genesis",  # a company's page, not a university's
    ],
)
def test__leads_are_not_primary_records(paper, source):
    assert not is_primary_record(source, paper)


def test__doctor_counts_papers_verified_only_against_leads(catalog_dir, write_paper):
    write_paper(
        "zhou2019-models-genesis",
        GOOD_PAPER + "sources:\n  - seed:000_list.txt\n  - https://arxiv.org/abs/1908.06912\n",
    )
    write_paper(
        "bare2024-x",
        "title: Bare\nyear: 2024\nvenue: arXiv\nmodality: [MRI]\ntask: [denoising]\nmethod: [predictive]\n"
        "links:\n  paper: https://example.org/bare\nsources: [https://tomesphere.com/paper/1]\n",
    )
    catalog = load_catalog(catalog_dir).catalog
    assert [primary_records(p) for p in catalog.papers] == [[], ["https://arxiv.org/abs/1908.06912"]]
    report = quality_report(catalog)
    assert dict(report.field_counts)["a primary record among its sources"] == 1
    gaps = dict(report.gaps_by_paper)
    assert "no primary record among its sources" in gaps["bare2024-x"]
    assert "no primary record among its sources" not in gaps["zhou2019-models-genesis"]


def test__the_project_page_counts_but_not_its_whole_host(catalog_dir, write_paper):
    project = GOOD_PAPER.replace("links:\n", "links:\n  project: https://someone.github.io/genesis/\n")
    write_paper("zhou2019-models-genesis", project + "sources: [seed:000_list.txt]\n")
    paper = load_catalog(catalog_dir).catalog.papers[0]
    assert is_primary_record("https://someone.github.io/genesis/", paper)
    assert is_primary_record("https://someone.github.io/genesis/paper.html", paper)
    assert not is_primary_record("https://someone.github.io/other-list/", paper)
