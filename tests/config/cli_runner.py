"""Run the real mcpdeck CLI in a subprocess against tmp CODEX_HOME / project directories."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_mcpdeck(
    home: Path, cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "CODEX_HOME"}
    full_env["HOME"] = str(home.parent / "user-home")
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "mcpdeck", "--codex-home", str(home), "-C", str(cwd), *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
    )
