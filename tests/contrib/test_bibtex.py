"""BibTeX in and out: a messy real-world file is fully accounted for; export -> import keeps the papers."""

from __future__ import annotations

import datetime
import re
import shutil
from textwrap import dedent

import pytest

from site_builder.build import load_or_fail
from site_builder.catalog.load import load_catalog
from site_builder.cli import main
from site_builder.contrib.bibtex_import import decode_latex, import_bibtex, read_bibtex
from site_builder.render.bibtex import render_bibtex, render_bibtex_entry
from tests.conftest import GOOD_PAPER, REPO
from tests.contrib.helpers import confirm_proposals
from tests.contrib.recorded_server import FIXTURES

MESSY = FIXTURES / "bib" / "messy.bib"
EXPECTED = {
    "zhou2021models": ("skipped", "catalog/papers/zhou2021-models-genesis.yaml (same DOI)"),
    "taleb2020": ("created", "taleb2020-3d-self-supervised"),
    "mueller2019": ("created", "muller2019-self-supervised-ct"),
    "chen2020simple": ("created", "chen2020-simple-framework-contrastive"),
    "he2020momentum": ("created", "he2019-momentum-contrast-unsupervised"),
    "https://doi.org/10.48550/arxiv.2111.06377": ("created", "he2021-masked-autoencoders-scalable"),
    "zhou2021again": ("skipped", "catalog/papers/zhou2021-models-genesis.yaml (same DOI)"),
    "simclr_again": ("skipped", "catalog/papers/chen2020-simple-framework-contrastive.yaml (same arXiv id)"),
    "noyear2022": ("rejected", "no year"),
    "notitle": ("rejected", "no title"),
    "nolink2018": ("rejected", "give at least one of links.paper, arxiv or doi"),
    "unknownvenue2022": ("created", "kim2022-rotation-prediction-pretraining"),
    "doe2021thesis": ("created", "doe2021-self-supervised-learning"),
    "inpress2024": ("rejected", "no usable year ('in press')"),
    "undefinedmacro2020": ("rejected", "undefined @string macro 'NEURIPS'"),
    "zhang2022contrastive": ("created", "zhang2020-contrastive-learning-medical"),
}


def entry_blocks(text: str) -> int:
    """Entries as a person counts them: every @type{ that is not @string, @comment or @preamble."""
    return len(re.findall(r"^@(?!string|comment|preamble)\w+\s*\{", text, flags=re.IGNORECASE | re.MULTILINE))


def with_models_genesis_journal(write_paper) -> None:
    media = GOOD_PAPER.replace('arxiv: "1908.06912"', 'doi: "10.1016/j.media.2020.101840"')
    write_paper("zhou2021-models-genesis", media.replace("Models Genesis: Generic", "Models Genesis, journal: Generic"))


def test__a_messy_file_never_crashes_and_every_entry_is_accounted_for(catalog_dir, write_paper, capsys):
    with_models_genesis_journal(write_paper)
    assert main(["import", "bib", str(MESSY)]) == 1  # some entries were rejected
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2] == "18 entries: 8 created, 3 skipped as duplicates, 7 rejected"
    assert entry_blocks(MESSY.read_text()) == 18
    report = "\n".join(lines)
    for key, (action, detail) in EXPECTED.items():
        assert re.search(rf"^{action}: \S+:\d+ {re.escape(key)}\b.*{re.escape(detail)}", report, re.MULTILINE), key
    assert re.search(
        r"^rejected: \S+messy.bib:75 he2020momentum: duplicate key 'he2020momentum' \(first used on line 47\)",
        report,
        re.MULTILINE,
    )
    assert re.search(r"^rejected: \S+messy.bib:99: cannot parse this block", report, re.MULTILINE)
    created = sorted(path.stem for path in (catalog_dir / "papers").glob("*.yaml"))
    assert len(created) == 9  # eight new files and the catalog's own paper


def test__imported_entries_hold_decoded_facts_and_wait_for_confirmation(catalog_dir, capsys):
    main(["import", "bib", str(MESSY)])
    papers = catalog_dir / "papers"
    mueller = (papers / "muller2019-self-supervised-ct.yaml").read_text()
    assert "title: Self-Supervised CT Denoising for München Cohorts & Beyond\n" in mueller
    assert "authors:\n  - Jörg Müller\n  - Jeroen van der Laak\n  - José García\n" in mueller  # "and others" dropped
    assert "month: 8\nvenue: MICCAI\n" in mueller and "doi: 10.5555/mueller.2019_42" in mueller
    assert "arxiv: '1911.05722'" in (papers / "he2019-momentum-contrast-unsupervised.yaml").read_text()
    mae = (papers / "he2021-masked-autoencoders-scalable.yaml").read_text()
    assert "venue: arXiv\n" in mae and "Piotr Dollár" in mae and "arxiv: '2111.06377'" in mae
    unknown = (papers / "kim2022-rotation-prediction-pretraining.yaml").read_text()
    assert "\nvenue:" not in unknown and "'Journal of Retinal Imaging Studies'" in unknown
    capsys.readouterr()
    assert main(["validate"]) == 1
    problems = capsys.readouterr().out
    assert "muller2019-self-supervised-ct.yaml:1: modality: required field is missing" in problems
    for path in papers.glob("*.yaml"):
        confirm_proposals(path, venue="arXiv", modality="[CT]", task="[segmentation]", method="[contrastive]")
    assert main(["validate"]) == 0, capsys.readouterr().out


def test__a_dry_run_reports_the_same_and_writes_nothing(catalog_dir, write_paper, capsys):
    with_models_genesis_journal(write_paper)
    assert main(["import", "bib", "--dry-run", str(MESSY)]) == 1
    out = capsys.readouterr().out
    assert "18 entries: 8 would create, 3 skipped as duplicates, 7 rejected (dry run: nothing written)" in out
    assert "would create: " in out and "-> catalog/papers/chen2020-simple-framework-contrastive.yaml" in out
    assert "catalog/papers/chen2020-simple-framework-contrastive.yaml (same arXiv id)" in out
    assert [path.name for path in (catalog_dir / "papers").iterdir()] == ["zhou2021-models-genesis.yaml"]


def test__a_file_with_only_good_entries_exits_0(catalog_dir, tmp_path, capsys):
    good = tmp_path / "good.bib"
    good.write_text("@misc{a, title={A Study}, year={2020}, eprint={2002.05709}, archivePrefix={arXiv}}\n")
    assert main(["import", "bib", str(good)]) == 0
    assert "1 entries: 1 created, 0 skipped as duplicates, 0 rejected" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"{\"u}ber {\'e}t{\'\i} {\O}ystein", "über étí Øystein"),
        (r"{{Models Genesis}}: 3{D} \& {CT}", "Models Genesis: 3D & CT"),
        (r"A--B -{}- 50\% 50% \_ \# \$ \textasciitilde{} \textasciicircum{}", "A–B -- 50% 50% _ # $ ~ ^"),
        ("$\\alpha$-Net\n   on two   lines", "$\\alpha$-Net on two lines"),
        (r"\textbf{Bold} \emph{words}", "Bold words"),
        # HTML residue of publishers' BibTeX is cleaned; what the .bib escaped stays the text it was.
        ("Imaging <i>in vivo</i> &amp; R&amp;D &#36;5", "Imaging in vivo & R&D $5"),
        (r"\&amp; \&\#0 {<}i{>} \textless{}b\textgreater{} \textless c", "&amp; &#0 <i> <b> < c"),
        ("&lt;i&gt;x&lt;/i&gt;", "<i>x</i>"),
    ],
)
def test__latex_in_text_fields_becomes_unicode(latex, text):
    assert decode_latex(latex) == text


TRICKY = {
    "tricky2020-a": """\
        title: "Pixel-Level -- Learning: 100% of $x_i$ & {braces} ~ ^ #1 \\\\ back"
        authors: ["Jörg Müller", "Jeroen van der Laak", "Martin Luther King Jr."]
        year: 2020
        month: 11
        venue: MedIA
        modality: [CT]
        task: [segmentation]
        method: [contrastive]
        doi: "10.5555/tricky_a%2"
        """,
    "tricky2021-b": """\
        title: "A Preprint ``quoted'' with 'quotes'"
        year: 2021
        venue: arXiv
        modality: [MRI]
        task: [classification]
        method: [generative]
        arxiv: "2101.00001"
        links: {paper: "https://example.org/papers/b?x=1&y=2"}
        """,
    "tricky2019-c": """\
        title: "Published: With Both Identifiers"
        year: 2019
        venue: MDPIProc
        modality: [fundus]
        task: [classification]
        method: [predictive]
        arxiv: "1901.00002"
        doi: "10.5555/c"
        links: {paper: "https://arxiv.org/abs/1901.00002"}
        """,
}
COMPARED = ("title", "authors", "year", "month", "venue", "doi", "arxiv", "url")


def test__export_then_import_gives_the_same_papers(catalog_dir, write_paper, tmp_path, capsys):
    for paper_id, text in TRICKY.items():
        write_paper(paper_id, dedent(text))
    assert main(["export", "bib", "-o", "out.bib"]) == 0
    exported = (tmp_path / "out.bib").read_text()
    # One entry per paper, keyed by its id, in id order; the type follows the venue's kind.
    assert [line for line in exported.splitlines() if line.startswith("@")] == [
        "@misc{tricky2019-c,",
        "@article{tricky2020-a,",
        "@misc{tricky2021-b,",
    ]
    original = load_or_fail(tmp_path)
    second = tmp_path / "second"
    (second / "catalog" / "papers").mkdir(parents=True)
    shutil.copy(catalog_dir / "taxonomy.yaml", second / "catalog" / "taxonomy.yaml")
    outcomes = import_bibtex(second, tmp_path / "out.bib", today=datetime.date(2026, 1, 1))
    assert [outcome.action for outcome in outcomes] == ["created"] * 3
    by_title = {paper.title: paper for paper in original.papers}
    for outcome in outcomes:
        assert outcome.path is not None
        text = outcome.path.read_text()
        paper_title = next(title for title in by_title if title in decode_yaml_title(text))
        source = by_title[paper_title]
        confirm_proposals(
            outcome.path,
            modality=f"[{source.modality[0]}]",
            task=f"[{source.task[0]}]",
            method=f"[{source.method[0]}]",
        )
    imported = load_catalog(second / "catalog")
    assert imported.catalog is not None, imported.problems
    assert {fields(paper) for paper in imported.catalog.papers} == {fields(paper) for paper in original.papers}


def decode_yaml_title(text: str) -> str:
    import yaml

    return str(yaml.safe_load(text)["title"])


def fields(paper: object) -> tuple:
    return tuple(str(getattr(paper, name)) for name in COMPARED)


def test__the_whole_catalog_survives_a_round_trip_through_bibtex():
    catalog = load_or_fail(REPO)
    entries, rejections = read_bibtex(render_bibtex(catalog))
    assert rejections == []
    assert sorted(entry.key for entry in entries) == [paper.id for paper in catalog.papers]
    from site_builder.contrib.new_entry import normalise_venue

    for entry in entries:
        paper, metadata = catalog.paper(entry.key), entry.metadata
        url = metadata.paper_url or (
            f"https://doi.org/{metadata.doi}" if metadata.doi else f"https://arxiv.org/abs/{metadata.arxiv}"
        )
        assert (metadata.title, list(metadata.authors), metadata.year, metadata.month) == (
            paper.title,
            list(paper.authors or []),
            paper.year,
            paper.month,
        ), paper.id
        assert normalise_venue(catalog.taxonomy, metadata.venue_names) == paper.venue, paper.id
        assert (metadata.doi, metadata.arxiv, url) == (paper.doi, paper.arxiv, paper.url), paper.id


def test__export_is_deterministic_and_has_a_check_mode(catalog_dir, write_paper, tmp_path, capsys):
    write_paper("zhou2019-models-genesis", GOOD_PAPER)
    assert main(["export", "bib"]) == 0
    assert capsys.readouterr().out == "wrote catalog.bib\n"
    first = (tmp_path / "catalog.bib").read_bytes()
    assert main(["export", "bib"]) == 0 and capsys.readouterr().out == "unchanged catalog.bib\n"
    assert (tmp_path / "catalog.bib").read_bytes() == first
    assert main(["export", "bib", "--check"]) == 0
    write_paper("other2020-x", GOOD_PAPER.replace("Models Genesis", "Other").replace("1908.06912", "2004.00001"))
    assert main(["export", "bib", "--check"]) == 1
    assert "catalog.bib is stale" in capsys.readouterr().err


def test__an_entry_escapes_latex_and_uses_month_macros(catalog_dir, write_paper):
    write_paper("tricky2020-a", dedent(TRICKY["tricky2020-a"]))
    catalog = load_or_fail(catalog_dir.parent)
    entry = render_bibtex_entry(catalog.paper("tricky2020-a"), catalog.taxonomy)
    assert entry.splitlines()[1] == (
        r"  title   = {Pixel-Level -{}- Learning: 100\% of \$x\_i\$ \& \{braces\} \textasciitilde{} "
        r"\textasciicircum{} \#1 \textbackslash{} back},"
    )
    assert "  month   = nov,\n" in entry and "  doi     = {10.5555/tricky_a%2},\n" in entry
