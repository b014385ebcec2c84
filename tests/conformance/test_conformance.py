"""The MCP conformance suite (0.1.16) against mcpdeck's real OAuth and session code.

Acceptance test of the OAuth engine: suites ``auth``, ``backcompat`` and ``draft`` must pass
with no FAILURE and no WARNING. The adapter is tests/conformance/client.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.peers import ROOT, conformance_cli, node_env, require

RESULTS = ROOT / ".cache" / "conformance" / "results"
CLIENT = Path(__file__).resolve().parent / "client.py"

pytestmark = [pytest.mark.conformance, pytest.mark.slow]


def _bad_checks(out_dir: Path) -> dict[str, list[str]]:
    """Scenario → its FAILURE/WARNING checks, from every checks.json under ``out_dir``."""
    bad: dict[str, list[str]] = {}
    for checks_file in sorted(out_dir.rglob("checks.json")):
        scenario = checks_file.parent.relative_to(out_dir).as_posix()
        for check in json.loads(checks_file.read_text()):
            if check.get("status") in ("FAILURE", "WARNING"):
                bad.setdefault(scenario, []).append(
                    f"{check['status']} {check.get('id')}: {check.get('description')}"
                    + (f" — {check.get('errorMessage')}" if check.get("errorMessage") else "")
                )
    return bad


def _stderr_tail(out_dir: Path, scenario: str) -> str:
    path = out_dir / scenario / "stderr.txt"
    if not path.exists():
        return ""
    return "\n      ".join(path.read_text(errors="replace").splitlines()[-8:])


@pytest.mark.parametrize("suite", ["auth", "backcompat", "draft"])
def test_conformance_suite_passes_without_failure_or_warning(suite: str) -> None:
    cli = require(conformance_cli(), "the MCP conformance suite (Node 22)")
    out_dir = RESULTS / f"{suite}-{time.strftime('%Y%m%d-%H%M%S')}"
    out_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [
            str(cli),
            "client",
            "--command",
            f"{sys.executable} {CLIENT}",
            "--suite",
            suite,
            "-o",
            str(out_dir),
        ],
        env=node_env(),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    bad = _bad_checks(out_dir)
    ran = list(out_dir.rglob("checks.json"))
    assert ran, f"the suite produced no results:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    if bad or proc.returncode != 0:
        lines = []
        for scenario, checks in bad.items():
            lines.append(f"  {scenario}:")
            lines.extend(f"    {c}" for c in checks)
            tail = _stderr_tail(out_dir, scenario)
            if tail:
                lines.append(f"    client stderr:\n      {tail}")
        summary = proc.stdout[proc.stdout.find("=== SUITE SUMMARY") :][:3000]
        pytest.fail(
            f"conformance suite {suite!r} (exit {proc.returncode}) results in {out_dir}:\n"
            + "\n".join(lines)
            + f"\n{summary}"
        )
