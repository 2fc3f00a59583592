"""`medssl add` end to end against recorded API answers on a local server."""

from __future__ import annotations

import datetime
import threading

from site_builder.cli import main
from site_builder.contrib.fmt import canonical_text
from site_builder.contrib.new_entry import create_entry_file
from tests.conftest import GOOD_PAPER
from tests.contrib.helpers import confirm_proposals
from tests.contrib.recorded_server import RecordedServer, Reply, fixture_reply

ATOM = "application/atom+xml"
TODAY = datetime.date.today().isoformat()
MEDIA_DOI = "10.1016/j.media.2020.101840"


def route_models_genesis(apis: RecordedServer) -> None:
    apis.route("/arxiv/query?id_list=1908.06912&max_results=1", fixture_reply("arxiv/1908.06912.xml", ATOM))
    apis.route("/arxiv/query?id_list=2004.07882&max_results=1", fixture_reply("arxiv/2004.07882.xml", ATOM))
    apis.route(f"/crossref/works/{MEDIA_DOI}", fixture_reply("crossref/10.1016_j.media.2020.101840.json"))
    apis.route(f"/s2/graph/v1/paper/DOI:{MEDIA_DOI}", fixture_reply("s2/DOI_10.1016_j.media.2020.101840.json"))
    apis.route("/s2/graph/v1/paper/ARXIV:1908.06912", fixture_reply("s2/ARXIV_1908.06912.json"))


def test__add_arxiv_writes_facts_and_only_proposes_the_rest(apis, catalog_dir, capsys):
    route_models_genesis(apis)
    assert main(["add", "arxiv:1908.06912"]) == 0
    path = catalog_dir / "papers" / "zhou2019-models-genesis.yaml"
    text = path.read_text()
    source = apis.url("/arxiv/query?id_list=1908.06912&max_results=1")
    assert text.startswith("# yaml-language-server: $schema=../../schema/paper.schema.json\n")
    assert 'title: "Models Genesis: Generic Autodidactic Models for 3D Medical Image Analysis"' in text or (
        "title: 'Models Genesis: Generic Autodidactic Models for 3D Medical Image Analysis'" in text
    )
    assert "\nyear: 2019\nmonth: 8\nvenue: arXiv\n" in text
    assert "arxiv: '1908.06912'" in text and f"added: {TODAY}" in text and source in text
    # The guesses are comments, never keys:
    assert "\n# modality: [CT, MRI]  # proposed\n" in text
    assert "\n# task: [segmentation, classification]  # proposed; main task first\n" in text
    assert "\n# dimension: [3D" in text  # optional, proposed too
    assert "\nmodality:" not in text and "\ntask:" not in text and "\nmethod:" not in text
    out = capsys.readouterr().out
    assert out.startswith("wrote catalog/papers/zhou2019-models-genesis.yaml\n")
    assert "  - modality: confirm or correct the proposal [CT, MRI], then uncomment it" in out
    assert "Then check it: .venv/bin/medssl validate catalog/papers/zhou2019-models-genesis.yaml" in out
    assert [entry.path.split("?")[0] for entry in apis.log] == ["/arxiv/query"]  # arXiv's abstract sufficed
    assert canonical_text(text, "paper") == text  # written in `medssl fmt`'s form


EXCLUDED = """\
excluded:
  - title: Models Genesis
    arxiv: '1908.06912'
    reason: not-ssl
    detail: A planted exclusion for this test.
    considered: 2026-11-30
    sources:
      - seed:000_7cb34d21e08ab375.txt
"""


def test__an_excluded_paper_is_refused_with_the_date_and_reason_before_any_request(apis, catalog_dir, capsys):
    (catalog_dir / "excluded.yaml").write_text(EXCLUDED)
    assert main(["add", "arxiv:1908.06912"]) == 1
    err = capsys.readouterr().err
    assert "considered and excluded on 2026-11-30: not ssl: A planted exclusion for this test." in err
    assert apis.log == [] and list((catalog_dir / "papers").iterdir()) == []


def test__an_excluded_title_is_refused_after_the_lookup(apis, catalog_dir, capsys):
    route_models_genesis(apis)
    exclusion = EXCLUDED.replace("    arxiv: '1908.06912'\n", "").replace(
        "title: Models Genesis", "title: 'MODELS  genesis'"
    )
    (catalog_dir / "excluded.yaml").write_text(exclusion)
    assert main(["add", f"doi:{MEDIA_DOI}"]) == 1
    assert "considered and excluded on 2026-11-30" in capsys.readouterr().err
    assert list((catalog_dir / "papers").iterdir()) == []


def test__a_catalog_paper_listed_as_excluded_fails_validation(write_paper, catalog_dir, capsys):
    write_paper("zhou2019-models-genesis", GOOD_PAPER)
    (catalog_dir / "excluded.yaml").write_text(EXCLUDED)
    assert main(["validate"]) == 1
    out = capsys.readouterr().out
    assert "excluded.yaml:2: excluded[0]: same arXiv id as catalog/papers/zhou2019-models-genesis.yaml" in out


def test__the_written_file_fails_validation_until_confirmed(apis, catalog_dir, capsys):
    route_models_genesis(apis)
    main(["add", "https://arxiv.org/abs/1908.06912v1"])
    path = catalog_dir / "papers" / "zhou2019-models-genesis.yaml"
    capsys.readouterr()
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    for field in ("modality", "task", "method"):
        assert f"{field}: required field is missing" in out
    confirm_proposals(path, method="[generative]")
    assert main(["validate", str(path)]) == 0, capsys.readouterr().out


def test__add_doi_uses_crossref_and_takes_the_abstract_from_semantic_scholar(apis, catalog_dir, capsys):
    route_models_genesis(apis)
    assert main(["add", f"doi:{MEDIA_DOI}"]) == 0
    path = catalog_dir / "papers" / "zhou2021-models-genesis.yaml"
    text = path.read_text()
    assert "venue: MedIA\n" in text and "year: 2021\nmonth: 1\n" in text
    authors = ["Zongwei Zhou", "Vatsal Sodha", "Jiaxuan Pang", "Michael B. Gotway", "Jianming Liang"]
    assert "authors:\n" + "".join(f"  - {name}\n" for name in authors) in text
    assert apis.url(f"/crossref/works/{MEDIA_DOI}") in text
    assert "/s2/" not in text  # the abstract only feeds proposals, so Semantic Scholar is no source
    assert "# modality: [CT, MRI]" in text  # proposed from Semantic Scholar's abstract
    confirm_proposals(path, method="[generative]")
    assert main(["validate", str(path)]) == 0


def test__an_arxiv_paper_published_since_takes_venue_and_year_from_crossref(apis, catalog_dir):
    route_models_genesis(apis)
    assert main(["add", "arxiv:2004.07882"]) == 0
    text = (catalog_dir / "papers" / "zhou2021-models-genesis.yaml").read_text()
    assert "venue: MedIA\n" in text and "year: 2021\n" in text
    assert "arxiv: '2004.07882'" in text and f"doi: {MEDIA_DOI}" in text
    assert apis.url("/arxiv/query?id_list=2004.07882&max_results=1") in text
    assert apis.url(f"/crossref/works/{MEDIA_DOI}") in text


def test__semantic_scholar_stands_in_when_arxiv_keeps_failing(apis, catalog_dir, capsys):
    route_models_genesis(apis)
    apis.route("/arxiv/query?id_list=1908.06912&max_results=1", Reply(503, b"busy", headers={"Retry-After": "0"}))
    assert main(["add", "arxiv:1908.06912"]) == 0
    out = capsys.readouterr().out
    assert "warning: " in out and "HTTP 503" in out and "used Semantic Scholar instead" in out
    text = (catalog_dir / "papers" / "zhou2019-models-genesis.yaml").read_text()
    assert "venue: MICCAI\n" in text and "doi: 10.1007/978-3-030-32251-9_42" in text


def test__an_unknown_arxiv_id_is_an_error(apis, catalog_dir, capsys):
    apis.route("/arxiv/query", fixture_reply("arxiv/empty.xml", ATOM))
    assert main(["add", "arxiv:2999.99999"]) == 1
    assert "arXiv has no paper 2999.99999" in capsys.readouterr().err
    assert list((catalog_dir / "papers").iterdir()) == []


def test__a_paper_already_in_the_catalog_is_refused_before_any_request(apis, write_paper, capsys):
    write_paper("zhou2019-models-genesis", GOOD_PAPER)
    assert main(["add", "arxiv:1908.06912v2"]) == 1
    err = capsys.readouterr().err
    assert err == "already in the catalog: catalog/papers/zhou2019-models-genesis.yaml (same arXiv id)\n"
    assert apis.log == []


def test__duplicates_are_found_by_doi_in_any_case_and_by_title(apis, write_paper, capsys):
    route_models_genesis(apis)
    write_paper("existing-doi", GOOD_PAPER.replace('arxiv: "1908.06912"', f'doi: "{MEDIA_DOI.upper()}"'))
    assert main(["add", f"doi:{MEDIA_DOI}"]) == 1
    assert "catalog/papers/existing-doi.yaml (same DOI)" in capsys.readouterr().err
    write_paper("existing-title", GOOD_PAPER.replace('arxiv: "1908.06912"', 'doi: "10.5555/other"'))
    (write_paper("existing-doi", "")).unlink()
    # Same title, different punctuation and case, no shared identifier:
    assert main(["add", "arxiv:1908.06912"]) == 1
    assert "catalog/papers/existing-title.yaml (same title)" in capsys.readouterr().err


def test__an_unconfirmed_new_entry_still_counts_as_present(apis, catalog_dir, capsys):
    route_models_genesis(apis)
    assert main(["add", "arxiv:1908.06912"]) == 0
    assert main(["add", "arxiv:1908.06912"]) == 1
    assert "catalog/papers/zhou2019-models-genesis.yaml (same arXiv id)" in capsys.readouterr().err


def test__a_taken_id_gets_a_number_and_nothing_is_overwritten(apis, write_paper):
    route_models_genesis(apis)
    other = GOOD_PAPER.replace("Models Genesis: Generic", "Other Work: Generic").replace("1908.06912", "2001.00001")
    existing = write_paper("zhou2019-models-genesis", other)
    before = existing.read_bytes()
    assert main(["add", "arxiv:1908.06912"]) == 0
    assert existing.read_bytes() == before
    assert (existing.parent / "zhou2019-models-genesis-2.yaml").exists()


def test__concurrent_writers_never_share_an_id(tmp_path):
    papers = tmp_path / "papers"

    def write(barrier: threading.Barrier, made: list, paper_id: str, number: int) -> None:
        barrier.wait()  # all four start together, so they race for the same name
        made.append(create_entry_file(papers, paper_id, f"writer {number}\n"))

    for round_number in range(20):
        barrier = threading.Barrier(4)
        made: list = []
        threads = [
            threading.Thread(target=write, args=(barrier, made, f"race{round_number}-paper", number))
            for number in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(set(made)) == 4
        assert sorted(path.read_text() for path in made) == [f"writer {n}\n" for n in range(4)]
    assert not list(papers.glob(".*.tmp"))


def test__an_unknown_venue_is_left_for_the_contributor_with_the_choices(apis, catalog_dir, capsys):
    apis.route("/crossref/works/10.5555/unknown-venue", fixture_reply("crossref/10.5555_unknown-venue.json"))
    assert main(["add", "doi:10.5555/unknown-venue"]) == 0
    out = capsys.readouterr().out
    assert "venue: 'Journal of Imaging Science' is not a venue in catalog/taxonomy.yaml" in out
    assert "; add it to taxonomy.yaml or pick one of: MICCAI, " in out
    path = catalog_dir / "papers" / "garcialopez2023-contrastive-pretraining-dental.yaml"
    text = path.read_text()
    assert "\nvenue:" not in text and "# venue: ...  # the source says 'Journal of Imaging Science'" in text
    assert "# modality: [X-ray]" in text and "# method: [contrastive]" in text
    confirm_proposals(path, venue="arXiv", task="[segmentation]")
    assert main(["validate", str(path)]) == 0, capsys.readouterr().out


def test__add_from_a_bibtex_entry(catalog_dir, tmp_path, capsys):
    entry = tmp_path / "entry.bib"
    entry.write_text(
        "@inproceedings{taleb2020,\n  title = {3{D} Self-Supervised Methods for Medical Imaging},\n"
        "  author = {Taleb, Aiham and Lippert, Christoph},\n"
        "  booktitle = {Advances in Neural Information Processing Systems},\n  year = {2020},\n"
        "  url = {https://proceedings.neurips.cc/paper/2020/hash/example-Abstract.html}\n}\n"
    )
    assert main(["add", "--bibtex", str(entry)]) == 0
    out = capsys.readouterr().out
    assert "facts from: the BibTeX entry" in out and "sources: add the URL where you checked" in out
    path = catalog_dir / "papers" / "taleb2020-3d-self-supervised.yaml"
    text = path.read_text()
    assert (
        "venue: NeurIPS\n" in text
        and "paper: https://proceedings.neurips.cc/paper/2020/hash/example-Abstract.html" in text
    )
    assert "# dimension: [3D]" in text
    confirm_proposals(path, modality="[CT, MRI]", task="[segmentation]", method="[predictive]")
    assert main(["validate", str(path)]) == 0, capsys.readouterr().out


def test__bibtex_add_takes_exactly_one_usable_entry(catalog_dir, tmp_path, capsys):
    two = tmp_path / "two.bib"
    two.write_text(
        "@misc{a, title={A}, year={2020}, eprint={2002.05709}, archivePrefix={arXiv}}\n"
        "@misc{b, title={B}, year={2020}, eprint={2002.05710}, archivePrefix={arXiv}}\n"
    )
    assert main(["add", "--bibtex", str(two)]) == 2
    assert "holds 2 entries; --bibtex takes exactly one (use `medssl import bib` for more)" in capsys.readouterr().err
    nolink = tmp_path / "nolink.bib"
    nolink.write_text("@article{c,\n title={C},\n year={2020}\n}\n")
    assert main(["add", "--bibtex", str(nolink)]) == 1
    assert "give at least one of links.paper, arxiv or doi" in capsys.readouterr().err
    assert list((catalog_dir / "papers").iterdir()) == []


def test__offline_uses_only_the_cache(apis, catalog_dir, capsys):
    route_models_genesis(apis)
    assert main(["add", "arxiv:1908.06912"]) == 0
    (catalog_dir / "papers" / "zhou2019-models-genesis.yaml").unlink()
    requests_so_far = len(apis.log)
    assert main(["add", "arxiv:1908.06912", "--offline"]) == 0
    assert len(apis.log) == requests_so_far
    assert main(["add", "arxiv:2004.07882", "--offline"]) == 1
    assert "is not in the cache; run without --offline" in capsys.readouterr().err


def test__reference_and_bibtex_together_is_a_usage_error(catalog_dir, capsys):
    assert main(["add", "arxiv:1908.06912", "--bibtex", "x.bib"]) == 2
    assert "not both" in capsys.readouterr().err
