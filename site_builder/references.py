"""What the catalog needs to know about runnable references, without importing torch."""

from __future__ import annotations

from runnable_refs.registry import REFERENCES
from site_builder.catalog.paths import REPOSITORY_URL
from site_builder.render.readme import ReadmeReference


def reference_source_paths() -> dict[str, str]:
    """Reference name -> its source file relative to the repository root."""
    return {ref.name: ref.module.replace(".", "/") + ".py" for ref in REFERENCES}


def reference_command(name: str) -> str:
    """The command a researcher runs to try a reference."""
    return f"medssl refs run {name} --device auto"


def readme_references() -> list[ReadmeReference]:
    """Every runnable reference, sorted by name, as the README lists it."""
    paths = reference_source_paths()
    return [
        ReadmeReference(
            name=ref.name,
            path=paths[ref.name],
            url=f"{REPOSITORY_URL}/blob/main/{paths[ref.name]}",
            command=reference_command(ref.name),
            paper=ref.paper,
            pretext=ref.pretext,
            dimension=ref.dimension,
        )
        for ref in sorted(REFERENCES, key=lambda ref: ref.name)
    ]
