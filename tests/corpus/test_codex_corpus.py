"""For every config of the corpus, `mcpdeck … --json --codex` prints what Codex 0.171.0 prints.

Each case runs the real `codex mcp list --json` (and `get NAME --json` where the case asks)
and mcpdeck on the same files: both succeed or both fail, and on success the JSON is the
same once Codex's env and header values are masked as mcpdeck masks them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.corpus.runner import (
    all_cases,
    masked,
    materialise,
    namespaces_work,
    parse_case,
    run_codex,
    run_mcpdeck,
)
from tests.peers import codex_binary, require


@pytest.mark.parametrize("path", all_cases(), ids=lambda p: p.stem)
def test_mcpdeck_prints_what_codex_prints(path: Path, tmp_path: Path) -> None:
    codex = require(codex_binary(), "Codex CLI (npm @openai/codex)")
    case = parse_case(path)
    if case.system_files and not namespaces_work():
        reason = "system files need a private mount namespace (root and unshare)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    materialise(case, tmp_path)
    for command in (["list", "--json"], *(["get", name, "--json"] for name in case.get)):
        theirs = run_codex(codex, case, tmp_path, *command)
        ours = run_mcpdeck(case, tmp_path, *command)
        what = " ".join(command)
        assert (ours.code == 0) == (theirs.code == 0), (
            f"{what}: codex exit {theirs.code}, mcpdeck exit {ours.code}\n"
            f"codex: {theirs.stderr[-800:]}\nmcpdeck: {ours.stderr[-800:]}"
        )
        if theirs.code != 0:
            assert ours.stdout == "", f"{what}: Codex printed nothing, mcpdeck did"
            assert "Codex refuses" in ours.stderr or "Codex" in ours.stderr, ours.stderr
            continue
        assert ours.json() == masked(theirs.json()), what


def test_the_corpus_is_large_enough() -> None:
    assert len(all_cases()) >= 40
