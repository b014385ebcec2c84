"""Running the real CLI in a subprocess against a demo world."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from mcpdeck.demo.world import DemoWorld
from tests.peers import ROOT

# Follows the authorization server's redirects to mcpdeck's callback: the demo world made by
# the fixtures approves at once, so this "browser" completes a real login.
BROWSER = ROOT / "tests" / "conformance" / "browser.py"


def cli(
    world: DemoWorld, *args: str, home: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        **world.env,
        "BROWSER": str(BROWSER),
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }
    if home is not None:
        env["CODEX_HOME"] = str(home)
    env.pop("MCPDECK_CREDENTIALS_PASSPHRASE", None)
    return subprocess.run(
        [sys.executable, "-m", "mcpdeck", *args],
        env=env,
        cwd=home or world.project_dir,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def doctor_json(world: DemoWorld, name: str) -> dict[str, Any]:
    done = cli(world, "doctor", name, "--json")
    payload: dict[str, Any] = json.loads(done.stdout)
    report: dict[str, Any]
    (report,) = payload["servers"]
    report["exit_code"] = done.returncode
    return report


def finding(report: dict[str, Any], fid: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [f for f in report["findings"] if f["id"] == fid]
    assert found, f"no {fid} finding in {[f['id'] for f in report['findings']]}"
    return found[0]
