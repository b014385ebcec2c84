"""The doctor says where Codex's layout falls short: a token file others can read, and two
CODEX_HOMEs sharing one keyring entry (Codex's keyring account has no CODEX_HOME in it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.fixtures.secret_service import SecretService
from tests.oauth.servers import World, world
from tests.peers import ROOT

BROWSER = str(ROOT / "tests" / "conformance" / "browser.py")


def _run(home: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    full = dict(env or os.environ, CODEX_HOME=str(home), BROWSER=BROWSER, NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "mcpdeck", *args],
        env=full,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _home(path: Path, w: World, store: str) -> Path:
    path.mkdir()
    (path / "config.toml").write_text(
        f'mcp_oauth_credentials_store = "{store}"\n\n[mcp_servers.docs]\nurl = "{w.mcp_url}"\n'
    )
    return path


def _findings(home: Path, env: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    done = _run(home, "doctor", "docs", "--json", env=env)
    report = json.loads(done.stdout)["servers"][0]
    return {f["id"]: f for f in report["findings"]}


def test_a_token_file_readable_by_others_is_a_warning(tmp_path: Path) -> None:
    with world() as w:
        home = _home(tmp_path / "home", w, "file")
        assert _run(home, "login", "docs", "--timeout", "30").returncode == 0
        assert "credentials_file_readable" not in _findings(home)
        path = home / ".credentials.json"
        path.chmod(0o644)
        finding = _findings(home)["credentials_file_readable"]
        assert finding["severity"] == "warning"
        assert finding["fix"] == f"chmod 600 {path}"


def test_two_codex_homes_sharing_a_keyring_entry_is_a_warning(
    secret_service: SecretService, tmp_path: Path
) -> None:
    env = secret_service.env()
    with world() as w:
        first = _home(tmp_path / "first", w, "keyring")
        second = _home(tmp_path / "second", w, "keyring")
        assert _run(first, "login", "docs", "--timeout", "30", env=env).returncode == 0
        assert "keyring_entry_shared" not in _findings(first, env)
        # The same server name and URL in another CODEX_HOME reads the same entry…
        listed = json.loads(_run(second, "list", "--json", "--offline", env=env).stdout)
        assert listed[0]["auth_status"] == "authenticated"
        # …which the doctor points out there.
        finding = _findings(second, env)["keyring_entry_shared"]
        assert finding["severity"] == "warning"
        assert str(first.resolve()) in finding["message"]
        assert _run(second, "logout", "docs", env=env).returncode == 0
