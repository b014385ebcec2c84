"""`mcpdeck doctor` as a user runs it: a subprocess with a temporary CODEX_HOME."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mcpdeck.config.loader import load_config
from mcpdeck.credentials.select import open_store
from tests.diagnostics.helpers import stdio_table, store_record
from tests.oauth.servers import World, world
from tests.servers.http_servers import Grant, plain_app, protected_app, serve

BEARER = "bearer-secret-5b7c9d1e3f"
CONFIG_SECRET = "sk-config-secret-8a6b4c2d"


def doctor(
    home: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("MCPDECK_")}
    full.update(CODEX_HOME=str(home), COLUMNS="200", **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "mcpdeck", "doctor", *args],
        env=full,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def plain() -> Iterator[str]:
    with serve(plain_app) as base:
        yield base + "/mcp"


@pytest.fixture(scope="module")
def protected() -> Iterator[str]:
    with serve(lambda b: protected_app(b, {BEARER: Grant(["read"])})) as base:
        yield base + "/mcp"


def _home(tmp_path: Path, text: str) -> Path:
    home = tmp_path / "codex"
    home.mkdir()
    (home / "config.toml").write_text('mcp_oauth_credentials_store = "file"\n\n' + text)
    return home


def test_healthy_servers_exit_0_and_read_like_mcp_verbose(tmp_path: Path, plain: str) -> None:
    home = _home(
        tmp_path,
        stdio_table("cat", extra='enabled_tools = ["tool_1", "get_env"]')
        + f'[mcp_servers.web]\nurl = "{plain}"\n',
    )
    result = doctor(home)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for text in (
        "cat",
        "web",
        "Config",
        "Auth",
        "Session",
        "Tools",
        "Resources",
        "Templates",
        "Prompts",
        "Findings",
    ):
        assert text in out
    assert "2 exposed, 6 hidden" in out
    assert "hidden by enabled_tools" in out
    assert "line 4" in out  # where command was written (config.toml:4)


def test_json_has_the_whole_report(tmp_path: Path, plain: str) -> None:
    home = _home(tmp_path, f'[mcp_servers.web]\nurl = "{plain}"\n')
    result = doctor(home, "web", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    (server,) = data["servers"]
    assert server["name"] == "web" and server["status"] == "ok"
    assert server["session"]["initialize"]["server_name"] == "plain"
    assert len(server["inventory"]["tools"]) == 8
    assert server["config"]["fields"][0]["key"] == "url"
    assert any(e["step"] == "http" for e in server["log"])


def test_an_error_finding_exits_1(tmp_path: Path) -> None:
    home = _home(tmp_path, '[mcp_servers.x]\ncommand = "no-such-server-cmd"\n')
    result = doctor(home)
    assert result.returncode == 1
    assert "not found" in result.stdout


def test_only_a_missing_login_exits_3(tmp_path: Path) -> None:
    with world() as w:
        home = _home(tmp_path, f'[mcp_servers.o]\nurl = "{w.mcp_url}"\n')
        result = doctor(home, "o")
    assert result.returncode == 3, result.stdout
    assert "mcpdeck login o" in result.stdout


def test_unknown_name_is_a_usage_error(tmp_path: Path) -> None:
    home = _home(tmp_path, stdio_table("cat"))
    result = doctor(home, "nope")
    assert result.returncode == 2
    assert "nope" in result.stderr and "Traceback" not in result.stderr


def _mint(w: World) -> dict[str, str]:
    return w._issue(["read"], w.mcp_url)


def test_no_secret_in_any_output(tmp_path: Path, protected: str) -> None:
    with world() as w:
        tokens = _mint(w)
        text = (
            stdio_table("cat", extra=f'env = {{ API_KEY = "{CONFIG_SECRET}" }}')
            + f'[mcp_servers.b]\nurl = "{protected}"\nbearer_token_env_var = "B_TOKEN"\n'
            + f'[mcp_servers.h]\nurl = "{protected}"\nhttp_headers = {{ Authorization = "Bearer {BEARER}" }}\n'
            + f'[mcp_servers.o]\nurl = "{w.mcp_url}"\n'
        )
        home = _home(tmp_path, text)
        loaded = load_config(home, home)
        store = open_store("file", home)
        store_record(
            store,
            loaded,
            "o",
            w.mcp_url,
            tokens["access_token"],
            refresh_token=tokens["refresh_token"],
            issuer=w.issuer,
            token_endpoint=w.issuer + "/token",
            resource=w.mcp_url,
        )
        outputs = [
            doctor(home, env={"B_TOKEN": BEARER}),
            doctor(home, "--json", env={"B_TOKEN": BEARER}),
        ]
    secrets = [BEARER, CONFIG_SECRET, tokens["access_token"], tokens["refresh_token"]]
    for result in outputs:
        assert result.returncode == 0, result.stdout + result.stderr
        for secret in secrets:
            assert secret not in result.stdout and secret not in result.stderr
    data = json.loads(outputs[1].stdout)
    statuses = {s["name"]: s["auth"]["status"] for s in data["servers"]}
    assert statuses == {
        "cat": "none",
        "b": "bearer_token",
        "h": "bearer_token",
        "o": "authenticated",
    }
