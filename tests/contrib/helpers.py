"""What a contributor does by hand after `medssl add`: confirm the proposals in the file."""

from __future__ import annotations

import re
from pathlib import Path

_PROPOSAL = re.compile(r"^# (venue|modality|task|method|dimension): (.*?)(\s+#.*)?$")
# What a contributor who read the paper might fill in where nothing could be proposed.
WHEN_EMPTY = {"venue": "arXiv", "modality": "[CT]", "task": "[segmentation]", "method": "[generative]"}


def confirm_proposals(path: Path, **overrides: str) -> str:
    """Uncomment every proposal line; `overrides` replace values, WHEN_EMPTY fills empty ones."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _PROPOSAL.match(line)
        if match:
            key, value = match.group(1), match.group(2)
            if key in overrides:
                value = overrides[key]
            elif value in ("[]", "..."):
                value = WHEN_EMPTY[key]
            line = f"{key}: {value}"
        lines.append(line)
    text = "\n".join(lines) + "\n"
    path.write_text(text, encoding="utf-8")
    return text
