"""docs/architecture.md names real files: a module that moves takes its line in the map along.

Every path the document writes in backticks (`oauth/flow.py`, `tui/screens/`, `tests/loopback.py`,
`mcpdeck.oauth.challenge`) must exist, under app/mcpdeck/ or the repository root.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "app" / "mcpdeck"
DOC = ROOT / "docs" / "architecture.md"
CODE = re.compile(r"`([^`\s]+)`")


def _exists(name: str) -> bool:
    if name.startswith("mcpdeck."):
        base = ROOT / "app" / name.replace(".", "/")
        return base.with_suffix(".py").is_file() or base.is_dir()
    # `commands/<command>.py`, `styles/*.tcss`: the folder must exist
    name = re.split(r"[*<]", name, maxsplit=1)[0].rstrip("/") or "."
    return (PACKAGE / name).exists() or (ROOT / name).exists()


def test_every_path_the_document_names_exists() -> None:
    named = {
        m.group(1)
        for m in CODE.finditer(DOC.read_text(encoding="utf-8"))
        if m.group(1).endswith((".py", "/", ".tcss", ".md")) or m.group(1).startswith("mcpdeck.")
    }
    assert len(named) > 50, "the module map is there"
    missing = sorted(name for name in named if not _exists(name))
    assert missing == [], f"docs/architecture.md names what is not in the repository: {missing}"
