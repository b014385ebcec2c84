"""Leak test: a full login, a refresh and a logout in subprocesses; the access and refresh
token strings appear in no output, no trace and no file written under CODEX_HOME (other than
the encrypted store itself)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.oauth.servers import world
from tests.peers import ROOT

BROWSER = ROOT / "tests" / "conformance" / "browser.py"
STORE_FILES = {"mcpdeck-credentials.enc", "mcpdeck-credentials.key"}


def _run(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CODEX_HOME=str(home), BROWSER=str(BROWSER), NO_COLOR="1")
    env.pop("MCPDECK_CREDENTIALS_PASSPHRASE", None)
    return subprocess.run(args, env=env, cwd=home, capture_output=True, text=True, timeout=120)


def test_tokens_never_appear_in_outputs_traces_or_files(tmp_path: Path) -> None:
    home = tmp_path / "codex"
    home.mkdir()
    with world(access_lifetime=30) as w:
        (home / "config.toml").write_text(
            f'mcp_oauth_credentials_store = "file"\n\n[mcp_servers.docs]\nurl = "{w.mcp_url}"\n'
        )
        mcpdeck = [sys.executable, "-m", "mcpdeck"]
        runs = [_run([*mcpdeck, "login", "docs", "--timeout", "30"], home)]
        assert runs[0].returncode == 0, runs[0].stderr
        assert "Logged in to 'docs'" in runs[0].stdout
        refresh = subprocess.run(
            [sys.executable, "-m", "tests.oauth.refresh_worker", str(home), "docs"],
            cwd=ROOT,
            env=dict(os.environ, CODEX_HOME=str(home)),
            capture_output=True,
            text=True,
            timeout=60,
        )
        runs.append(refresh)
        assert refresh.returncode == 0, refresh.stderr
        assert len(w.recorded.refreshes()) == 1
        runs.append(_run([*mcpdeck, "logout", "docs"], home))
        assert runs[-1].returncode == 0 and "Removed OAuth credentials" in runs[-1].stdout
        secrets = list(w.access_tokens) + list(w.refresh_tokens)
    assert len(secrets) >= 4  # login and refresh each issued an access and a refresh token

    captured = {f"run {i} stdout": r.stdout for i, r in enumerate(runs)}
    captured.update({f"run {i} stderr": r.stderr for i, r in enumerate(runs)})
    for path in home.rglob("*"):
        if path.is_file() and path.name not in STORE_FILES:
            captured[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
    for where, text in captured.items():
        for secret in secrets:
            assert secret not in text, f"a token leaked into {where}"
