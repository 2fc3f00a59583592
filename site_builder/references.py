"""What the catalog needs to know about runnable references, without importing torch."""

from __future__ import annotations

from runnable_refs.registry import REFERENCES


def reference_source_paths() -> dict[str, str]:
    """Reference name -> its source file relative to the repository root."""
    return {ref.name: ref.module.replace(".", "/") + ".py" for ref in REFERENCES}


def reference_command(name: str) -> str:
    """The command a researcher runs to try a reference."""
    return f"medssl refs run {name} --device auto"
