"""Text folded for matching, the same way the site's scripts fold what a reader types."""

from __future__ import annotations

import re
import unicodedata

_NOT_A_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Lower-case words without accents, separated by single spaces and framed by spaces: ' models genesis '.

    docs/assets/medssl/search.js and browse.js fold a query the same way (fold() there), so
    "Sánchez", "sanchez" and "SANCHEZ" all match, and " word" finds where a word starts.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(character for character in decomposed if not unicodedata.combining(character))
    return f" {_NOT_A_WORD.sub(' ', plain).strip()} "
