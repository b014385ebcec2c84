#!/usr/bin/env python3
"""Install or locate the peer tools under .cache/peers (npm registry only):

- Node.js 22 (npm package ``node@22``): the conformance suite needs it (the machine has 20);
- ``@modelcontextprotocol/conformance@0.1.16``: the MCP conformance suite;
- ``@openai/codex``: Codex CLI, which ships a native binary (compatibility checks, benchmarks);
- ``@modelcontextprotocol/sdk`` (its example streamable-HTTP server with ``--oauth``) and
  ``@modelcontextprotocol/server-everything``: third-party servers of the compatibility matrix.

    python3 scripts/peers.py install     install what is missing (idempotent, offline-safe)
    python3 scripts/peers.py paths       print where each tool is (JSON)

Standard library only: the test command calls it before the venv matters.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PREFIX = ROOT / ".cache" / "peers"
PACKAGES = {
    "node": "node@22",
    "conformance": "@modelcontextprotocol/conformance@0.1.16",
    "codex": "@openai/codex@0.171.0",
    "sdk": "@modelcontextprotocol/sdk@1.32.2",
    "everything": "@modelcontextprotocol/server-everything@2026.8.31",
}


def paths() -> dict[str, str | None]:
    bin_dir = PREFIX / "node_modules" / ".bin"
    node = PREFIX / "node_modules" / "node" / "bin" / "node"
    found = {
        "node22": node,
        "conformance": bin_dir / "conformance",
        "codex": bin_dir / "codex",
        "sdk": PREFIX / "node_modules" / "@modelcontextprotocol" / "sdk" / "package.json",
        "everything": bin_dir / "mcp-server-everything",
    }
    return {name: (str(p) if p.exists() else None) for name, p in found.items()}


def install() -> int:
    npm = shutil.which("npm")
    if npm is None:
        print("[peers] npm is not installed: skipping Node 22, the conformance suite and Codex CLI")
        return 1
    missing = [spec for name, spec in PACKAGES.items() if not _installed(name)]
    if not missing:
        return 0
    PREFIX.mkdir(parents=True, exist_ok=True)
    print(f"[peers] installing {', '.join(missing)} under {PREFIX}", flush=True)
    cmd = [npm, "install", "--prefix", str(PREFIX), "--no-audit", "--no-fund", "--loglevel=error"]
    return subprocess.call([*cmd, *PACKAGES.values()])


def _installed(name: str) -> bool:
    key = {"node": "node22"}.get(name, name)
    return paths()[key] is not None


def main(argv: list[str]) -> int:
    if argv[:1] == ["install"]:
        return install()
    if argv[:1] == ["paths"]:
        print(json.dumps(paths(), indent=2))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
