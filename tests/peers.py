"""Where the peer tools installed by scripts/peers.py live; tests skip with a reason without them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PREFIX = ROOT / ".cache" / "peers"


def node22() -> Path | None:
    p = PREFIX / "node_modules" / "node" / "bin" / "node"
    return p if p.exists() else None


def conformance_cli() -> Path | None:
    p = PREFIX / "node_modules" / ".bin" / "conformance"
    return p if p.exists() and node22() else None


def codex_binary() -> Path | None:
    p = PREFIX / "node_modules" / ".bin" / "codex"
    return p if p.exists() else None


def require(path: Path | None, what: str) -> Path:
    """Skip (with the reason printed by -ra) when a peer tool is missing, fail under CI."""
    if path is None:
        reason = f"{what} is not installed: run `python3 scripts/peers.py install`"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def node_env() -> dict[str, str]:
    """An environment whose PATH finds Node 22 first."""
    env = dict(os.environ)
    node = node22()
    if node is not None:
        env["PATH"] = f"{node.parent}{os.pathsep}{env.get('PATH', '')}"
    return env
