"""Leak test: a full login, a refresh and a logout, each through the CLI in a subprocess
(`python -m mcpdeck …`), with Codex's file store and with the keyring (a real gnome-keyring);
the access and refresh token strings appear in no output, no trace and no file written under
CODEX_HOME (other than Codex's credentials file itself, in file mode)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.secret_service import SecretService
from tests.oauth.servers import world
from tests.peers import ROOT

BROWSER = ROOT / "tests" / "conformance" / "browser.py"
# Codex's file store holds the tokens in clear (its format): the store itself is exempt.
STORE_FILES = {".credentials.json"}


_ENV: dict[str, str] = {}


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CODEX_HOME=str(home), BROWSER=str(BROWSER), NO_COLOR="1")
    env.update(_ENV)
    env.pop("MCPDECK_CREDENTIALS_PASSPHRASE", None)
    return subprocess.run(
        [sys.executable, "-m", "mcpdeck", *args],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(params=["file", "keyring"])
def store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "keyring":
        service: SecretService = request.getfixturevalue("secret_service")
        monkeypatch.setattr(f"{__name__}._ENV", service.env({}))
    return str(request.param)


def test_tokens_never_appear_in_outputs_traces_or_files(tmp_path: Path, store: str) -> None:
    home = tmp_path / "codex"
    home.mkdir()
    with world() as w:
        (home / "config.toml").write_text(
            f'mcp_oauth_credentials_store = "{store}"\n\n[mcp_servers.docs]\nurl = "{w.mcp_url}"\n'
        )
        runs = {"login": _run(home, "--debug", "login", "docs", "--timeout", "30")}
        assert runs["login"].returncode == 0, runs["login"].stderr
        assert "Logged in to 'docs'" in runs["login"].stdout
        runs["list"] = _run(home, "list", "--json")
        assert json.loads(runs["list"].stdout)[0]["auth_status"] == "authenticated"

        # The server forgets the access token: the doctor's session gets a 401, refreshes
        # through the token provider (the rotated refresh token is stored) and retries.
        for grant in w.access_tokens.values():
            grant["expires"] = 0.0
        runs["doctor (refresh)"] = _run(home, "--debug", "doctor", "docs", "--json")
        report = json.loads(runs["doctor (refresh)"].stdout)["servers"][0]
        assert report["session"]["ok"] and report["auth"]["status"] == "authenticated"
        assert len(w.recorded.refreshes()) == 1
        # The report carries the refresh in its trace, which the leak check below covers.
        assert any(e["step"] == "refresh" and e["status"] == "ok" for e in report["log"])
        runs["doctor"] = _run(home, "doctor", "docs")
        assert runs["doctor"].returncode == 0, runs["doctor"].stdout
        assert len(w.recorded.refreshes()) == 1  # the refreshed token was stored and reused
        runs["get"] = _run(home, "get", "docs", "--json")

        runs["logout"] = _run(home, "logout", "docs")
        assert runs["logout"].returncode == 0, runs["logout"].stderr
        assert "Removed OAuth credentials" in runs["logout"].stdout
        runs["list after logout"] = _run(home, "list", "--json")
        assert json.loads(runs["list after logout"].stdout)[0]["auth_status"] != "authenticated"
        secrets = list(w.access_tokens) + list(w.refresh_tokens)
    assert len(secrets) >= 4  # login and refresh each issued an access and a refresh token

    captured = {f"{name} stdout": r.stdout for name, r in runs.items()}
    captured.update({f"{name} stderr": r.stderr for name, r in runs.items()})
    exempt = STORE_FILES if store == "file" else set()
    files = [p for p in home.rglob("*") if p.is_file() and p.name not in exempt]
    for path in files:
        captured[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
    for where, text in captured.items():
        for secret in secrets:
            assert secret not in text, f"a token leaked into {where}"
