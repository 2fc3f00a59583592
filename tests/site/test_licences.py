"""Which weights licences count as allowing commercial use (Browse's facet): permissive ones only."""

from __future__ import annotations

import pytest

from site_builder.render.licences import COMMERCIAL_USE_LICENCES, allows_commercial_use


@pytest.mark.parametrize(
    "licence", ["MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "CC-BY-4.0", "CC0-1.0", "apache-2.0", " MIT "]
)
def test__permissive_licences_allow_commercial_use(licence):
    assert allows_commercial_use(licence)


@pytest.mark.parametrize(
    "licence",
    [
        "CC-BY-NC-4.0",
        "CC-BY-NC-SA-4.0",
        "CC-BY-NC-ND-4.0",
        "CC-BY-ND-NC-4.0",
        "research only",
        "non-commercial research licence",
        "custom terms",
        "OpenRAIL-M",
        "",
        None,
    ],
)
def test__nc_research_only_unknown_and_unstated_licences_do_not(licence):
    assert not allows_commercial_use(licence)


def test__no_listed_licence_is_a_noncommercial_one():
    assert not [licence for licence in COMMERCIAL_USE_LICENCES if "nc" in licence.split("-")]
