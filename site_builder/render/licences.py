"""Which licences let anyone use released weights commercially: the one list Browse and the exports share.

A licence counts only when it is an SPDX id that grants commercial use without asking. NonCommercial
(NC) licences, research-only terms, model licences with use restrictions (RAIL variants, which need a
lawyer's reading) and a licence nobody stated do not: the facet errs on the side of "not shown".
"""

from __future__ import annotations

# SPDX ids, compared case-insensitively. Copyleft licences allow commercial use too; their conditions
# concern sharing, not selling. "-only"/"-or-later" suffixes are the SPDX spellings of GPL versions.
COMMERCIAL_USE_LICENCES = frozenset(
    licence.casefold()
    for licence in (
        "MIT",
        "MIT-0",
        "Apache-2.0",
        "BSD-2-Clause",
        "BSD-3-Clause",
        "BSD-3-Clause-Clear",
        "ISC",
        "Zlib",
        "Unlicense",
        "0BSD",
        "CC0-1.0",
        "CC-BY-4.0",
        "CC-BY-3.0",
        "CC-BY-SA-4.0",
        "CC-BY-SA-3.0",
        "ODC-By-1.0",
        "PDDL-1.0",
        "MPL-2.0",
        "LGPL-2.1-only",
        "LGPL-2.1-or-later",
        "LGPL-3.0-only",
        "LGPL-3.0-or-later",
        "GPL-2.0-only",
        "GPL-2.0-or-later",
        "GPL-3.0-only",
        "GPL-3.0-or-later",
        "AGPL-3.0-only",
        "AGPL-3.0-or-later",
        "EPL-2.0",
    )
)


def allows_commercial_use(licence: str | None) -> bool:
    """True when `licence` is one of COMMERCIAL_USE_LICENCES; unknown, unstated, NC and research-only are False."""
    if not licence:
        return False
    return licence.strip().casefold() in COMMERCIAL_USE_LICENCES
