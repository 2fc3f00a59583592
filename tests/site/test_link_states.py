"""Paper pages show each link's state at its last check (`catalog/link-status.json`), and nothing without one."""

from __future__ import annotations

import re
from textwrap import dedent

import pytest

from site_builder.catalog.link_status import load_link_status
from site_builder.render.paper_page import render_paper_pages
from tests.site.conftest import LINK_CHECK_DATE

REPOSITORY = "https://github.com/example/catalog"


@pytest.fixture(scope="module")
def pages_with_states(fixture_catalog, fixture_root) -> dict[str, str]:
    # The record file as `medssl links` writes it, read back by the reader the hook uses.
    return render_paper_pages(fixture_catalog, {}, REPOSITORY, load_link_status(fixture_root))


def links_section(page: str) -> str:
    return re.search(r'<div class="medssl-links">\n(.*?)</div>', page, re.S).group(1)


def test__a_redirect_and_a_refusal_read_as_such_with_the_check_date(pages_with_states):
    assert links_section(pages_with_states["papers/kim2023-brain-registration.md"]) == dedent(
        """\
        <ul>
        <li>Paper: <a href="https://example.org/kim2023" rel="noopener">https://example.org/kim2023</a> <span class="medssl-link-state medssl-link-state--redirected" data-link-status="redirected">redirects to <a href="https://example.org/kim2023-final" rel="noopener">https://example.org/kim2023-final</a> · checked 2026-11-20</span></li>
        <li>Code: <a href="https://github.com/example/brainreg" rel="noopener">https://github.com/example/brainreg</a> <span class="medssl-link-state medssl-link-state--blocked" data-link-status="blocked">host refused automated checks (403) · checked 2026-11-20</span></li>
        </ul>
        """  # noqa: E501
    )


@pytest.mark.parametrize(
    ("paper_id", "label", "state"),
    [
        ("zhou2019-models-genesis", "Code", "reachable"),
        ("azizi2021-chest-xray", "Code", "dead (404)"),
        ("wang2024-pathology-dino", "Paper", "dead (no answer)"),  # timed out: no HTTP status to show
    ],
)
def test__each_checked_link_shows_its_state(pages_with_states, paper_id, label, state):
    items = links_section(pages_with_states[f"papers/{paper_id}.md"]).splitlines()
    [item] = [line for line in items if line.startswith(f"<li>{label}:")]
    assert item.endswith(f">{state} · checked {LINK_CHECK_DATE.isoformat()}</span></li>")


def test__links_without_a_record_show_no_state(pages_with_states):
    swin = links_section(pages_with_states["papers/tang2022-swin-pretraining.md"])  # its code link was not checked
    assert "https://github.com/example/swin" in swin and "medssl-link-state" not in swin
    genesis = links_section(pages_with_states["papers/zhou2019-models-genesis.md"])
    assert [line for line in genesis.splitlines() if "checked" in line] == [
        line for line in genesis.splitlines() if line.startswith("<li>Code:")
    ]  # the arXiv link (not a catalog link field) carries none


def test__without_a_link_check_the_pages_say_nothing_about_one(fixture_catalog, pages_with_states):
    unchecked = render_paper_pages(fixture_catalog, {}, REPOSITORY)
    assert unchecked == render_paper_pages(fixture_catalog, {}, REPOSITORY, {})
    assert not any("medssl-link-state" in page or "checked 2026" in page for page in unchecked.values())
    assert unchecked != pages_with_states


def test__a_hostile_redirect_target_stays_text(pages_with_states):
    evil = links_section(pages_with_states["papers/evil2024-hostile-entry.md"])
    assert "<script>" not in evil
    assert 'redirects to <a href="https://example.org/&#34;&gt;&lt;script&gt;window.__pwned=5&lt;/script&gt;"' in evil
