"""diagnose() against real servers on 127.0.0.1, each built to produce one finding."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mcpdeck.config.loader import load_config
from mcpdeck.diagnostics.doctor import diagnose, diagnose_all
from mcpdeck.diagnostics.edits import SetKey, TrustProject, UnsetKey
from mcpdeck.diagnostics.report import ServerReport
from mcpdeck.errors import UsageError
from tests.diagnostics.helpers import jwt, stdio_table, store_record, write_config
from tests.loopback import refused_port
from tests.oauth.memstore import MemoryStore
from tests.oauth.servers import World, world
from tests.servers.http_servers import Grant, plain_app, protected_app, serve

GOOD = "good-token-7d1e9a3b"
READ_ONLY = "readonly-token-44f0c2"


def ids(report: ServerReport) -> set[str]:
    return {f.id for f in report.findings}


def finding(report: ServerReport, fid: str):  # type: ignore[no-untyped-def]
    return next(f for f in report.findings if f.id == fid)


async def run(
    home: Path, text: str, name: str, store: MemoryStore | None = None, **kw: object
) -> ServerReport:
    loaded = write_config(home, text)
    return await diagnose(loaded.servers[name], loaded, store or MemoryStore(), **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def plain() -> Iterator[str]:
    with serve(plain_app) as base:
        yield base + "/mcp"


def _token_endpoint(error: str):  # type: ignore[no-untyped-def]
    async def token(_request: Request) -> Response:
        return JSONResponse(
            {"error": error, "error_description": "resource required"}, status_code=400
        )

    return token


AUD_TOKEN = jwt(
    {"iss": "https://issuer.example", "aud": "https://other.example/mcp", "scope": "read write"}
)


@pytest.fixture(scope="module")
def protected() -> Iterator[str]:
    grants = {
        GOOD: Grant(["read", "write"]),
        READ_ONLY: Grant(["read"]),
        AUD_TOKEN: Grant(["read", "write"]),
    }
    with serve(
        lambda b: protected_app(
            b,
            grants,
            required_scopes=["read", "write"],
            as_metadata={
                "authorization_endpoint": b + "/authorize",
                "token_endpoint": b + "/token",
                "code_challenge_methods_supported": ["S256"],
            },
            token_endpoint=_token_endpoint("invalid_target"),
        )
    ) as base:
        yield base + "/mcp"


# -- healthy servers --------------------------------------------------------------------------


async def test_healthy_stdio_server(tmp_path: Path) -> None:
    report = await run(tmp_path, stdio_table("cat"), "cat")
    assert report.status == "ok", report.findings
    assert report.session.ok and report.inventory is not None
    assert len(report.inventory.tools) == 8
    fields = {f.key: f.where for f in report.config.fields}
    assert fields["command"] == f"{tmp_path / 'config.toml'}:2"
    assert report.transport["type"] == "stdio"


async def test_config_secrets_are_masked_and_env_names_reported(tmp_path: Path) -> None:
    text = stdio_table(
        "cat", extra='env = { API_KEY = "sk-live-abcdef123456" }\nenv_vars = ["HOME_MISSING_VAR"]'
    )
    report = await run(tmp_path, text, "cat", env={"PATH": "/usr/bin:/bin"})
    dumped = json.dumps(report.to_json())
    assert "sk-live-abcdef123456" not in dumped
    assert report.env.missing == ["HOME_MISSING_VAR"]
    assert "env_var_unset" in ids(report)


async def test_healthy_plain_http_server(tmp_path: Path, plain: str) -> None:
    report = await run(tmp_path, f'[mcp_servers.web]\nurl = "{plain}"\n', "web")
    assert report.status == "ok", report.findings
    assert report.auth.status == "none"
    assert report.auth.discovery is not None and not report.auth.discovery.oauth
    assert any(e["step"] == "http" for e in report.log)


async def test_bearer_server(tmp_path: Path, protected: str) -> None:
    text = f'[mcp_servers.b]\nurl = "{protected}"\nbearer_token_env_var = "B_TOKEN"\n'
    report = await run(tmp_path, text, "b", env={"B_TOKEN": GOOD})
    assert report.status == "ok", report.findings
    assert report.auth.status == "bearer_token"
    assert GOOD not in json.dumps(report.to_json())


# -- one server per finding -------------------------------------------------------------------


async def test_command_not_found(tmp_path: Path) -> None:
    report = await run(tmp_path, '[mcp_servers.x]\ncommand = "no-such-server-cmd"\n', "x")
    assert "command_not_found" in ids(report) and report.status == "error"


async def test_cwd_missing(tmp_path: Path) -> None:
    text = stdio_table("cat", extra=f'cwd = "{tmp_path / "nowhere"}"')
    report = await run(tmp_path, text, "cat")
    assert "cwd_missing" in ids(report)


async def test_bearer_env_var_unset(tmp_path: Path, protected: str) -> None:
    text = f'[mcp_servers.b]\nurl = "{protected}"\nbearer_token_env_var = "B_TOKEN"\n'
    report = await run(tmp_path, text, "b", env={})
    assert "bearer_env_unset" in ids(report)
    assert report.env.missing == ["B_TOKEN"]
    # Words like "bearer token" look like a credential to redact(): the message avoids them.
    assert "redacted" not in finding(report, "bearer_env_unset").to_json()["message"]


async def test_timeout_suggests_a_startup_timeout_edit(tmp_path: Path) -> None:
    text = stdio_table("slow", "--hang", extra="startup_timeout_sec = 1")
    report = await run(tmp_path, text, "slow")
    f = finding(report, "startup_timeout")
    assert f.severity == "error"
    assert f.edit == SetKey(str(tmp_path / "config.toml"), "slow", "startup_timeout_sec", 30)
    assert f.to_json()["edit"] == {
        "op": "set",
        "file": str(tmp_path / "config.toml"),
        "server": "slow",
        "key": "startup_timeout_sec",
        "value": 30,
    }


async def test_unreachable(tmp_path: Path) -> None:
    text = f'[mcp_servers.gone]\nurl = "http://127.0.0.1:{refused_port()}/mcp"\n'
    report = await run(tmp_path, text, "gone", timeout=5)
    assert "unreachable" in ids(report)


async def test_required_server_failing(tmp_path: Path) -> None:
    text = '[mcp_servers.x]\ncommand = "no-such-server-cmd"\nrequired = true\n'
    report = await run(tmp_path, text, "x")
    f = finding(report, "required_failing")
    assert f.edit is not None and f.edit.key == "required" and f.edit.value is False


async def test_unknown_tools_in_enabled_tools(tmp_path: Path) -> None:
    text = stdio_table(
        "cat", extra='enabled_tools = ["tool_1", "tool_9"]\ndisabled_tools = ["nope"]'
    )
    report = await run(tmp_path, text, "cat")
    assert report.inventory is not None
    assert report.inventory.filters.exposed == ["tool_1"]
    edits = {
        f.edit.key: f.edit for f in report.findings if f.id == "unknown_tool_filter" and f.edit
    }
    assert edits["enabled_tools"].value == ["tool_1"]
    assert isinstance(edits["disabled_tools"], UnsetKey)
    assert report.status == "warning"


async def test_untrusted_project_layer_is_not_started(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text("")
    project = tmp_path / "proj"
    (project / ".git").mkdir(parents=True)
    (project / ".codex").mkdir()
    (project / ".codex" / "config.toml").write_text(stdio_table("cat"))
    loaded = load_config(home, project)
    report = await diagnose(loaded.find("cat"), loaded, MemoryStore())
    f = finding(report, "untrusted_project")
    assert f.edit == TrustProject(str(home / "config.toml"), str(project))
    assert report.session.skipped and not report.session.ok


async def test_disabled_server_is_not_started(tmp_path: Path) -> None:
    report = await run(tmp_path, stdio_table("cat", extra="enabled = false"), "cat")
    assert report.status == "disabled" and report.session.skipped
    assert finding(report, "disabled").edit == SetKey(
        str(tmp_path / "config.toml"), "cat", "enabled", True
    )


async def test_insufficient_scope_suggests_scopes(tmp_path: Path, protected: str) -> None:
    text = f'[mcp_servers.o]\nurl = "{protected}"\n'
    store = MemoryStore()
    loaded = write_config(tmp_path, text)
    store_record(store, loaded, "o", protected, READ_ONLY, granted_scopes=["read"])
    report = await diagnose(loaded.servers["o"], loaded, store)
    f = finding(report, "insufficient_scope")
    assert f.edit is not None and f.edit.key == "scopes"
    assert f.edit.value == ["read", "write"]


async def test_token_audience_is_not_the_server(tmp_path: Path, protected: str) -> None:
    text = f'[mcp_servers.o]\nurl = "{protected}"\n'
    store = MemoryStore()
    loaded = write_config(tmp_path, text)
    store_record(store, loaded, "o", protected, AUD_TOKEN, granted_scopes=["read", "write"])
    report = await diagnose(loaded.servers["o"], loaded, store)
    assert report.session.ok
    f = finding(report, "token_audience")
    assert f.edit is not None and f.edit.key == "oauth_resource"
    assert f.edit.value == protected  # the PRM resource
    claims = report.auth.token.jwt_claims_unverified  # type: ignore[union-attr]
    assert claims == {
        "iss": "https://issuer.example",
        "aud": "https://other.example/mcp",
        "scope": "read write",
    }
    assert AUD_TOKEN not in json.dumps(report.to_json())


async def test_authorization_server_demands_a_resource(tmp_path: Path, protected: str) -> None:
    text = f'[mcp_servers.o]\nurl = "{protected}"\n'
    store = MemoryStore()
    loaded = write_config(tmp_path, text)
    base = protected.rsplit("/mcp", 1)[0]
    store_record(
        store,
        loaded,
        "o",
        protected,
        "expired-token-a1b2c3",
        refresh_token="refresh-token-d4e5f6",
        token_endpoint=base + "/token",
        # Not expired yet: the server's 401 makes the session refresh, which the AS refuses.
        expires_at=time.time() + 3600,
    )
    report = await diagnose(loaded.servers["o"], loaded, store)
    f = finding(report, "resource_required")
    assert f.edit is not None and f.edit.key == "oauth_resource"
    dumped = json.dumps(report.to_json())
    assert "refresh-token-d4e5f6" not in dumped and "expired-token-a1b2c3" not in dumped


async def test_dynamic_registration_unsupported(tmp_path: Path) -> None:
    with world(registration=False) as w:
        report = await run(tmp_path, f'[mcp_servers.o]\nurl = "{w.mcp_url}"\n', "o")
    f = finding(report, "dcr_unsupported")
    assert f.edit is not None and f.edit.key == "oauth.client_id"
    assert f.edit.value is None and "client id" in f.edit.needs_value
    assert "login_required" in ids(report)


# -- OAuth through a local authorization server -----------------------------------------------


def _mint(w: World, scopes: list[str]) -> dict[str, str]:
    return w._issue(scopes, w.mcp_url)  # the AS's own issuing path, as after a login


async def test_oauth_logged_in(tmp_path: Path) -> None:
    with world() as w:
        tokens = _mint(w, ["read"])
        store = MemoryStore()
        loaded = write_config(tmp_path, f'[mcp_servers.o]\nurl = "{w.mcp_url}"\n')
        store_record(
            store,
            loaded,
            "o",
            w.mcp_url,
            tokens["access_token"],
            refresh_token=tokens["refresh_token"],
            issuer=w.issuer,
            token_endpoint=w.issuer + "/token",
            requested_scopes=["read"],
            granted_scopes=["read"],
            resource=w.mcp_url,
        )
        report = await diagnose(loaded.servers["o"], loaded, store)
    assert report.status == "ok", report.findings
    assert report.auth.status == "authenticated"
    assert report.auth.token is not None and report.auth.token.store == "memory"
    assert report.auth.token.granted_scopes == ["read"]
    assert report.auth.discovery is not None and report.auth.discovery.issuer == w.issuer
    assert [e["step"] for e in report.auth.chain].count("discovery") >= 2
    dumped = json.dumps(report.to_json())
    assert tokens["access_token"] not in dumped and tokens["refresh_token"] not in dumped


async def test_oauth_401_refreshes_once_and_works(tmp_path: Path) -> None:
    with world() as w:
        tokens = _mint(w, ["read"])
        store = MemoryStore()
        loaded = write_config(tmp_path, f'[mcp_servers.o]\nurl = "{w.mcp_url}"\n')
        store_record(
            store,
            loaded,
            "o",
            w.mcp_url,
            "revoked-access-0a1b2c",
            refresh_token=tokens["refresh_token"],
            issuer=w.issuer,
            token_endpoint=w.issuer + "/token",
            resource=w.mcp_url,
        )
        report = await diagnose(loaded.servers["o"], loaded, store)
        assert len(w.recorded.refreshes()) == 1
    assert report.session.ok and report.status == "ok", report.findings


async def test_401_although_a_token_is_stored(tmp_path: Path) -> None:
    with world() as w:
        store = MemoryStore()
        loaded = write_config(tmp_path, f'[mcp_servers.o]\nurl = "{w.mcp_url}"\n')
        store_record(store, loaded, "o", w.mcp_url, "revoked-access-9z8y7x", issuer=w.issuer)
        report = await diagnose(loaded.servers["o"], loaded, store)
    assert "token_revoked" in ids(report)
    assert report.status == "auth_required"
    assert report.auth.status == "oauth_available"


async def test_not_logged_in(tmp_path: Path) -> None:
    with world() as w:
        report = await run(tmp_path, f'[mcp_servers.o]\nurl = "{w.mcp_url}"\n', "o")
    assert "login_required" in ids(report)
    assert report.status == "auth_required"
    assert report.auth.status == "oauth_available"


# -- many servers -----------------------------------------------------------------------------


async def test_diagnose_all_keeps_config_order_and_refuses_unknown_names(
    tmp_path: Path, plain: str
) -> None:
    loaded = write_config(
        tmp_path,
        stdio_table("b_cat") + f'[mcp_servers.a_web]\nurl = "{plain}"\n',
    )
    reports = await diagnose_all(loaded, MemoryStore())
    assert [r.name for r in reports] == ["b_cat", "a_web"]
    with pytest.raises(UsageError):
        await diagnose_all(loaded, MemoryStore(), ["nope"])


async def test_expired_token_whose_refresh_is_refused_for_its_resource(tmp_path: Path) -> None:
    # The refresh of an expired token answers invalid_target: the resource is the problem,
    # not a revoked grant.
    with world(refresh_error="invalid_target") as w:
        tokens = _mint(w, ["read"])
        store = MemoryStore()
        loaded = write_config(tmp_path, f'[mcp_servers.o]\nurl = "{w.mcp_url}"\n')
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
            expires_at=time.time() - 60,
        )
        report = await diagnose(loaded.servers["o"], loaded, store)
        assert len(w.recorded.refreshes()) == 1
    assert "resource_required" in ids(report)
    assert "token_revoked" not in ids(report)
    refresh = [e for e in report.log if e["step"] == "refresh" and e["status"] == "fail"]
    assert refresh and refresh[0]["data"]["error"] == "invalid_target"
    dumped = json.dumps(report.to_json())
    assert tokens["access_token"] not in dumped and tokens["refresh_token"] not in dumped


async def test_opaque_token_requested_for_another_resource(tmp_path: Path) -> None:
    with world() as w:
        other = w.as_base + "/another-mcp"
        tokens = w._issue(["read"], other)  # what the AS issues when asked for `other`
        store = MemoryStore()
        text = f'[mcp_servers.o]\nurl = "{w.mcp_url}"\noauth_resource = "{other}"\n'
        loaded = write_config(tmp_path, text)
        store_record(
            store,
            loaded,
            "o",
            w.mcp_url,
            tokens["access_token"],
            refresh_token=tokens["refresh_token"],
            issuer=w.issuer,
            token_endpoint=w.issuer + "/token",
            resource=other,
        )
        report = await diagnose(loaded.servers["o"], loaded, store)
    f = finding(report, "token_audience")
    assert f.severity == "error" and other in f.message and w.mcp_url in f.message
    assert f.edit == UnsetKey(str(tmp_path / "config.toml"), "o", "oauth_resource")
    assert "token_revoked" not in ids(report)
    assert "revoked" not in report.auth.detail
    assert report.status == "error"


async def test_codex_keys_the_doctor_explains(tmp_path: Path) -> None:
    """Inline client secret (Codex's own key), a dropped env header, per-tool approval modes."""
    home = tmp_path / "home"
    home.mkdir()
    config = home / "config.toml"
    config.write_text(
        "[mcp_servers.slack]\n"
        f'url = "http://127.0.0.1:{refused_port()}/mcp"\n'
        'env_http_headers = { "X-Team" = "MCPDECK_TEST_UNSET_TEAM" }\n'
        'default_tools_approval_mode = "prompt"\n'
        "[mcp_servers.slack.tools.post]\n"
        'approval_mode = "approve"\n'
        "[mcp_servers.slack.oauth]\n"
        'client_id = "123.456"\n'
        'client_secret = "shh-this-is-secret"\n'
    )
    config.chmod(0o644)
    loaded = load_config(home, tmp_path, system_dir=tmp_path / "no-etc")
    assert loaded.servers["slack"].valid  # Codex writes this itself: not an error
    report = await diagnose(loaded.servers["slack"], loaded, MemoryStore(), env={})
    secret = next(f for f in report.findings if "client secret" in f.message)
    assert secret.severity == "warning" and f"chmod 600 {config}" in (secret.fix or "")
    assert "shh-this-is-secret" not in json.dumps([f.message for f in report.findings])
    dropped = finding(report, "env_var_unset")
    assert (
        "MCPDECK_TEST_UNSET_TEAM" in dropped.message
        and "drops the X-Team header" in dropped.message
    )
    modes = finding(report, "tool_approval_modes")
    assert "default prompt" in modes.message and "post: approve" in modes.message
