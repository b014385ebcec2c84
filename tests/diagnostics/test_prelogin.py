"""Everything that can be known before a login is found before it (issue 13, item 3): each
pre-login finding against a purpose-built loopback server or the demo, with its fix."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from mcpdeck.demo.world import DemoWorld
from mcpdeck.diagnostics.report import Finding, ServerReport
from tests.diagnostics.helpers import write_config
from tests.integration.helpers import cli, doctor_json, finding
from tests.oauth.memstore import MemoryStore
from tests.oauth.servers import world


async def _report(home: Path, text: str) -> ServerReport:
    from mcpdeck.diagnostics.doctor import diagnose

    loaded = write_config(home, text)
    return await diagnose(loaded.servers["o"], loaded, MemoryStore())


def _one(report: ServerReport, fid: str) -> Finding:
    found = [f for f in report.findings if f.id == fid]
    assert found, f"no {fid} in {[f.id for f in report.findings]}"
    return found[0]


def _ids(report: ServerReport) -> set[str]:
    return {f.id for f in report.findings}


def test_demo_broken_shows_the_resource_finding_with_its_edit_before_any_login(
    demo_world: DemoWorld,
) -> None:
    report = doctor_json(demo_world, "broken")
    assert report["auth"]["token"] is None  # no login happened
    f = finding(report, "oauth_resource_mismatch")
    assert f["severity"] == "error"
    assert demo_world.urls["broken"] in f["message"] and "remove oauth_resource" in f["fix"]
    assert f["edit"]["op"] == "unset" and f["edit"]["key"] == "oauth_resource"
    assert report["exit_code"] == 1  # not "log in" (3): a login would get a rejected token
    listed = json.loads(cli(demo_world, "list", "--json").stdout)
    (broken,) = [s for s in listed if s["name"] == "broken"]
    assert broken["auth_status"] == "oauth_available"
    assert "names another server" in broken["auth"]["detail"]


async def test_a_host_alias_says_which_url_to_use(tmp_path: Path) -> None:
    with world() as w:
        alias = w.mcp_url.replace("127.0.0.1", "localhost")
        w.options.prm_resource = alias
        report = await _report(tmp_path, f'[mcp_servers.o]\nurl = "{w.mcp_url}"\n')
    f = _one(report, "discovery_failed")
    assert f.fix == f'use url = "{alias}" in [mcp_servers.o]'
    assert f.edit is not None and (f.edit.key, f.edit.value) == ("url", alias)


async def test_no_registration_no_cimd_and_no_client_id(tmp_path: Path) -> None:
    with world(registration=False) as w:
        report = await _report(tmp_path, f'[mcp_servers.o]\nurl = "{w.mcp_url}"\n')
    f = _one(report, "dcr_unsupported")
    assert f.edit is not None and f.edit.key == "oauth.client_id"
    with world(
        registration=False, as_overrides={"client_id_metadata_document_supported": True}
    ) as w:
        report = await _report(
            tmp_path,
            f'[mcp_servers.o]\nurl = "{w.mcp_url}"\n\n[mcp_servers.o.oauth]\n'
            'client_metadata_url = "https://client.example/mcpdeck.json"\n',
        )
    assert "dcr_unsupported" not in _ids(report)


async def test_configured_scopes_the_server_does_not_support(tmp_path: Path) -> None:
    with world(prm_scopes=["files:read", "files:write"]) as w:
        report = await _report(
            tmp_path,
            f'[mcp_servers.o]\nurl = "{w.mcp_url}"\nscopes = ["files:read", "admin"]\n',
        )
    f = _one(report, "scopes_unsupported")
    assert f.severity == "warning" and "admin" in f.message
    assert f.edit is not None and f.edit.value == ["files:read"]


async def test_s256_missing_and_iss_support(tmp_path: Path) -> None:
    with world(pkce_methods=None, advertise_iss=False) as w:
        report = await _report(tmp_path, f'[mcp_servers.o]\nurl = "{w.mcp_url}"\n')
    assert _one(report, "pkce_s256_missing").severity == "error"
    assert _one(report, "iss_unsupported").severity == "info"
    with world() as w:
        report = await _report(tmp_path, f'[mcp_servers.o]\nurl = "{w.mcp_url}"\n')
    assert not {"pkce_s256_missing", "iss_unsupported"} & _ids(report)


async def test_malformed_metadata(tmp_path: Path) -> None:
    with world(metadata_raw=b"<html>not json</html>") as w:
        report = await _report(tmp_path, f'[mcp_servers.o]\nurl = "{w.mcp_url}"\n')
    f = _one(report, "discovery_failed")
    assert "not valid JSON" in f.message and f.edit is None


async def test_a_trailing_slash_tolerated_is_noted(tmp_path: Path) -> None:
    with world() as w:
        w.options.metadata_issuer = w.issuer + "/"
        report = await _report(tmp_path, f'[mcp_servers.o]\nurl = "{w.mcp_url}"\n')
    f = _one(report, "issuer_trailing_slash")
    assert f.severity == "info" and "tolerates" in f.message


def _login(home: Path, name: str, browser: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CODEX_HOME": str(home), "NO_COLOR": "1"}
    if browser:
        env["BROWSER"] = browser
    return subprocess.run(
        [sys.executable, "-m", "mcpdeck", "login", name, "--timeout", "3"],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_login_on_a_bearer_token_or_stdio_server_is_explained_not_attempted(
    tmp_path: Path,
) -> None:
    (tmp_path / "config.toml").write_text(
        '[mcp_servers.docs]\nurl = "http://127.0.0.1:9/mcp"\nbearer_token_env_var = "DOCS_TOKEN"\n'
        '\n[mcp_servers.local]\ncommand = "cat"\n'
    )
    done = _login(tmp_path, "docs")
    assert done.returncode == 2
    assert "uses bearer_token_env_var = 'DOCS_TOKEN'" in done.stderr
    assert "no login needed" in done.stderr and "registration" not in done.stderr
    done = _login(tmp_path, "local")
    assert done.returncode == 2 and "stdio server: it needs no login" in done.stderr


def test_a_browser_command_exiting_non_zero_is_reported_as_such(tmp_path: Path) -> None:
    script = tmp_path / "broken-browser"
    script.write_text("#!/bin/sh\nexit 3\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    with world() as w:
        (tmp_path / "config.toml").write_text(
            f'mcp_oauth_credentials_store = "file"\n\n[mcp_servers.o]\nurl = "{w.mcp_url}"\n'
        )
        done = _login(tmp_path, "o", browser=str(script))
    assert done.returncode != 0
    assert f"the BROWSER command '{script}' exited with status 3" in done.stdout
    assert "no browser found" not in done.stdout
