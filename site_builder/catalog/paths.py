"""Where things live in a checkout; every command resolves paths from here."""

from __future__ import annotations

import os
from pathlib import Path

# Where the project lives on GitHub; README links that must be absolute (awesome-lint) point here.
REPOSITORY_URL = "https://github.com/awesome-ssl-medical-imaging/awesome-ssl-medical-imaging"


def project_root() -> Path:
    """The checkout to work on: $MEDSSL_ROOT, else the nearest parent with catalog/taxonomy.yaml."""
    override = os.environ.get("MEDSSL_ROOT")
    if override:
        return Path(override)
    here = Path.cwd()
    for candidate in (here, *here.parents):
        if (candidate / "catalog" / "taxonomy.yaml").is_file():
            return candidate
    return here


def catalog_dir(root: Path) -> Path:
    return root / "catalog"


def readme_path(root: Path) -> Path:
    return root / "README.md"


def paper_schema_path(root: Path) -> Path:
    return root / "schema" / "paper.schema.json"
