"""docs/architecture.md names real files, and every module: the map cannot go stale.

Every path the document writes in backticks (`oauth/flow.py`, `tui/screens/`, `tests/loopback.py`,
`mcpdeck.oauth.challenge`) must exist, under app/mcpdeck/ or the repository root; and every
module under app/mcpdeck/ (``__init__.py`` aside) must be named, by its path under app/mcpdeck/
(`tui/screens/login.py`) or its dotted name (`mcpdeck.tui.screens.login`), so a newcomer finds
where any behaviour lives from the document alone.
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


def _named() -> set[str]:
    return {
        m.group(1)
        for m in CODE.finditer(DOC.read_text(encoding="utf-8"))
        if m.group(1).endswith((".py", "/", ".tcss", ".md")) or m.group(1).startswith("mcpdeck.")
    }


def test_every_path_the_document_names_exists() -> None:
    named = _named()
    assert len(named) > 50, "the module map is there"
    missing = sorted(name for name in named if not _exists(name))
    assert missing == [], f"docs/architecture.md names what is not in the repository: {missing}"


def test_the_document_names_every_module() -> None:
    named = _named()
    modules = sorted(
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if path.name != "__init__.py"
    )
    assert len(modules) > 100, "the package is there"
    unnamed = [
        rel
        for rel in modules
        if rel not in named and "mcpdeck." + rel.removesuffix(".py").replace("/", ".") not in named
    ]
    assert unnamed == [], (
        f"docs/architecture.md's module map does not name {unnamed}: add each to the row of the "
        "behaviour it holds (path under app/mcpdeck/ in backticks)"
    )
