"""Auth status: decided by config, by stored credentials, or by probing real loopback servers."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mcpdeck.config.model import LoadedConfig, ServerConfig, Source
from mcpdeck.credentials.record import CredentialKey, CredentialRecord
from mcpdeck.status_probe import compute_statuses
from tests.loopback import refused_port, serve
from tests.status import servers

pytestmark = pytest.mark.asyncio


def http(name: str, url: str, **kw: object) -> ServerConfig:
    return ServerConfig(
        name=name,
        transport="streamable_http",
        url=url,
        source=Source("user", Path("/x/config.toml")),
        **kw,  # type: ignore[arg-type]
    )


def world(tmp_path: Path, *server_list: ServerConfig) -> LoadedConfig:
    return LoadedConfig(
        codex_home=tmp_path,
        cwd=tmp_path,
        project_root=None,
        servers={s.name: s for s in server_list},
    )


class RecordsStore:
    """Stored credentials as records handed in (the real stores are tested elsewhere)."""

    def __init__(self, records: dict[CredentialKey, CredentialRecord], backend: str = "keyring"):
        self.records = records
        self.backend = backend
        self.lookups = 0

    def locate(self, key: CredentialKey) -> tuple[CredentialRecord, str] | None:
        self.lookups += 1
        rec = self.records.get(key)
        return (rec, self.backend) if rec else None


def record(name: str, url: str, **kw: object) -> CredentialRecord:
    base: dict[str, object] = dict(
        server_name=name,
        server_url=url,
        client_id="c1",
        issuer="http://127.0.0.1/auth",
        access_token="at-secret-value",
        refresh_token="rt-secret-value",
        expires_at=time.time() + 3600,
        granted_scopes=["files:read"],
    )
    base.update(kw)
    return CredentialRecord(**base)  # type: ignore[arg-type]


async def test_config_decides_stdio_disabled_bearer(tmp_path: Path) -> None:
    loaded = world(
        tmp_path,
        ServerConfig(name="local", transport="stdio", command="x"),
        http("off", "http://127.0.0.1:9/mcp", enabled=False),
        http("docs", "http://127.0.0.1:9/mcp", bearer_token_env_var="DOCS_TOKEN"),
        http("hdr", "http://127.0.0.1:9/mcp", http_headers={"Authorization": "Bearer zzzzzzzz"}),
    )
    got = await compute_statuses(loaded, None, environ={})
    assert got["local"].auth_status == "none"
    assert got["off"].auth_status == "none" and "disabled" in got["off"].auth.detail
    assert got["docs"].auth_status == "bearer_token"
    assert got["docs"].auth.detail == "DOCS_TOKEN is not set"
    got = await compute_statuses(loaded, None, environ={"DOCS_TOKEN": "x"})
    assert got["docs"].auth.detail == "DOCS_TOKEN is set"
    assert got["hdr"].auth_status == "bearer_token"
    assert "zzzz" not in got["hdr"].auth.detail


async def test_stored_credentials_authenticated_without_network(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{refused_port()}/mcp"
    loaded = world(tmp_path, http("files", url))
    key = CredentialKey.for_server(tmp_path, "files", url)
    store = RecordsStore({key: record("files", url)})
    got = await compute_statuses(loaded, store)
    st = got["files"]
    assert st.auth_status == "authenticated"
    assert st.auth.store == "keyring" and st.auth.refreshable
    assert st.auth.scopes == ["files:read"]
    assert st.auth.expires_at is not None and not st.probed
    assert "at-secret-value" not in repr(st) and "rt-secret-value" not in repr(st)


async def test_expired_without_refresh_token_is_oauth_available(tmp_path: Path) -> None:
    url = "http://127.0.0.1:9/mcp"
    loaded = world(tmp_path, http("files", url))
    key = CredentialKey.for_server(tmp_path, "files", url)
    rec = record("files", url, expires_at=time.time() - 10, refresh_token=None)
    got = await compute_statuses(loaded, RecordsStore({key: rec}), offline=True)
    assert got["files"].auth_status == "oauth_available"
    assert "log in again" in got["files"].auth.detail


async def test_rejected_refresh_token_says_log_in_again(tmp_path: Path) -> None:
    url = "http://127.0.0.1:9/mcp"
    loaded = world(tmp_path, http("files", url))
    key = CredentialKey.for_server(tmp_path, "files", url)
    rec = record("files", url, unusable_reason="refresh token rejected; log in again")
    got = await compute_statuses(loaded, RecordsStore({key: rec}), offline=True)
    assert got["files"].auth_status == "oauth_available"
    assert got["files"].auth.detail.startswith("refresh token rejected; log in again")
    assert got["files"].auth.refreshable is False


async def test_credentials_of_another_codex_home_are_not_used(tmp_path: Path) -> None:
    url = "http://127.0.0.1:9/mcp"
    other = CredentialKey.for_server(tmp_path / "other", "files", url)
    loaded = world(tmp_path, http("files", url))
    got = await compute_statuses(loaded, RecordsStore({other: record("files", url)}), offline=True)
    assert got["files"].auth_status == "none"
    assert "--offline" in got["files"].auth.detail


async def test_probe_finds_oauth_on_protected_server(tmp_path: Path) -> None:
    with serve(servers.oauth_protected_app()) as base:
        loaded = world(tmp_path, http("files", f"{base}/mcp"))
        got = await compute_statuses(loaded, RecordsStore({}))
    st = got["files"]
    assert st.auth_status == "oauth_available", st.auth.detail
    assert st.probed
    assert "mcpdeck login files" in st.auth.detail


async def test_probe_plain_server_is_none(tmp_path: Path) -> None:
    with serve(servers.plain_app()) as base:
        loaded = world(tmp_path, http("plain", f"{base}/mcp"))
        got = await compute_statuses(loaded, None)
    assert got["plain"].auth_status == "none"
    assert got["plain"].auth.detail
    assert not got["plain"].failed


async def test_probe_slow_server_times_out(tmp_path: Path) -> None:
    with serve(servers.slow_app(delay=3.0)) as base:
        loaded = world(tmp_path, http("slow", f"{base}/mcp"))
        got = await compute_statuses(loaded, None, timeout=0.3)
    assert got["slow"].auth_status == "none"
    assert got["slow"].auth.detail == "discovery timed out after 0.3 s"
    assert got["slow"].failed


async def test_probe_garbage_server_is_none_with_reason(tmp_path: Path) -> None:
    with serve(servers.garbage_app()) as base:
        loaded = world(tmp_path, http("junk", f"{base}/mcp"))
        got = await compute_statuses(loaded, None)
    assert got["junk"].auth_status == "none"
    assert got["junk"].auth.detail


async def test_probe_refused_port_is_none_with_reason(tmp_path: Path) -> None:
    loaded = world(tmp_path, http("gone", f"http://127.0.0.1:{refused_port()}/mcp"))
    got = await compute_statuses(loaded, None)
    assert got["gone"].auth_status == "none"
    assert got["gone"].auth.detail
    assert got["gone"].failed


async def test_many_servers_probe_concurrently_and_report_each(tmp_path: Path) -> None:
    seen: list[str] = []
    with serve(servers.oauth_protected_app()) as base, serve(servers.plain_app()) as plain:
        server_list = [http(f"s{i}", f"{base}/mcp") for i in range(20)]
        server_list += [http(f"p{i}", f"{plain}/mcp") for i in range(5)]
        loaded = world(tmp_path, *server_list)
        got = await compute_statuses(
            loaded, None, concurrency=4, on_result=lambda s: seen.append(s.name)
        )
    assert list(got) == [s.name for s in server_list]  # config order
    assert sorted(seen) == sorted(got)
    assert all(got[f"s{i}"].auth_status == "oauth_available" for i in range(20))
    assert all(got[f"p{i}"].auth_status == "none" for i in range(5))
