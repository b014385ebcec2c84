"""Each row of the compatibility matrix: login → list → doctor → refresh → logout against a
real, unmodified third-party server (issue 13)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx2
import pytest

from mcpdeck import records
from mcpdeck.credentials.record import CredentialKey, CredentialRecord
from mcpdeck.credentials.select import open_store
from tests.compat.matrix import (
    ROWS,
    Row,
    json_of,
    mcpdeck,
    offered_inventory,
    running,
    write_config,
)

pytestmark = pytest.mark.compat

NAME = "peer"


def _store(home: Path):
    return open_store("file", home)


def _key(home: Path, url: str) -> CredentialKey:
    return CredentialKey.for_server(home, NAME, url)


def _inventory_of(report: dict) -> dict[str, set[str]]:
    inv = report["inventory"] or {}
    return {
        "tools": {t["name"] for t in inv.get("tools", [])},
        "resources": {r["uri"] for r in inv.get("resources", [])},
        "prompts": {p["name"] for p in inv.get("prompts", [])},
    }


def _doctor(home: Path) -> dict:
    done = mcpdeck(home, "doctor", NAME, "--json")
    (report,) = json_of(done)["servers"]
    report["exit_code"] = done.returncode
    return report


def _accepted(url: str, token: str) -> bool:
    """Does the server take this token? An initialize with it, nothing else."""
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "compat-check", "version": "1"},
        },
    }
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/json, text/event-stream",
    }
    with httpx2.stream("POST", url, json=body, headers=headers, timeout=10, trust_env=False) as r:
        return r.status_code != 401


def _login_again(home: Path, url: str, first: CredentialRecord | None) -> CredentialRecord:
    """A second login reuses the first one's registration: these authorization servers compare
    redirect URIs exactly, so it must come back on the registered port. A short callback wait:
    a refused redirect URI leaves no redirect to wait for."""
    assert first is not None and first.access_token
    registration = _store(home).load_registration(first.issuer)
    assert registration is not None and registration.client_id == first.client_id
    done = mcpdeck(home, "login", NAME, "--timeout", "30")
    assert done.returncode == 0, done.stdout + done.stderr
    second = _store(home).load(_key(home, url))
    assert second is not None and second.access_token
    assert second.client_id == first.client_id and second.obtained_at > first.obtained_at
    assert _store(home).load_registration(first.issuer) == registration
    return second


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
async def test_row(row: Row, tmp_path: Path) -> None:
    home = tmp_path / "codex"
    with running(row, tmp_path) as url:
        write_config(home, NAME, url)
        if not row.oauth:
            listed = json_of(mcpdeck(home, "list", "--json"))
            assert listed[0]["auth_status"] == "none", listed
            report = _doctor(home)
            assert report["exit_code"] == 0, report["findings"]
            assert _inventory_of(report) == await offered_inventory(url, None)
            done = mcpdeck(home, "login", NAME)
            assert done.returncode == 1 and "may not need a login" in done.stderr, done.stderr
            return

        # Before the login: the server is known to offer OAuth.
        listed = json_of(mcpdeck(home, "list", "--json"))
        assert listed[0]["auth_status"] == "oauth_available", listed

        done = mcpdeck(home, "login", NAME)
        assert done.returncode == 0, done.stdout + done.stderr
        record = _login_again(home, url, _store(home).load(_key(home, url)))

        listed = json_of(mcpdeck(home, "list", "--json"))
        assert listed[0]["auth_status"] == "authenticated", listed

        report = _doctor(home)
        assert report["exit_code"] == 0, report["findings"]
        assert report["status"] == "ok", report["findings"]
        assert _inventory_of(report) == await offered_inventory(url, record.access_token)
        if row.token_lifetime is not None:
            # A one-minute token is used as it is right after the login, not refreshed at once.
            assert (
                record.expires_at and record.expires_at - record.obtained_at <= row.token_lifetime
            )
            assert not any(e["step"] == "refresh" for e in report["log"])
            assert _store(home).load(_key(home, url)).access_token == record.access_token

        # Refresh: the stored token is made to look expired; the doctor must refresh it at the
        # real authorization server and go on with the new one.
        if row.refresh:
            assert record.refresh_token
            expired = records.replace(record, expires_at=time.time() - 5)
            _store(home).save(_key(home, url), expired)
            report = _doctor(home)
            assert report["exit_code"] == 0, report["findings"]
            refreshed = _store(home).load(_key(home, url))
            assert refreshed is not None and refreshed.access_token != record.access_token
            assert any(e["step"] == "refresh" and e["status"] == "ok" for e in report["log"]), [
                e["summary"] for e in report["log"]
            ]
            assert _accepted(url, refreshed.access_token)
            record = refreshed
        else:
            assert record.refresh_token is None  # this server issues none: nothing to refresh

        done = mcpdeck(home, "logout", NAME)
        assert done.returncode == 0, done.stderr
        assert _store(home).load(_key(home, url)) is None
        if row.revocation:
            assert "Revoked the refresh token and the access token" in done.stdout, done.stdout
            # A self-contained JWT stays valid at the resource server until it expires: only
            # servers that ask the authorization server (opaque tokens) can notice.
            assert _accepted(url, record.access_token) is row.self_contained_tokens
        else:
            assert "advertises no revocation endpoint" in done.stdout, done.stdout


async def test_a_host_alias_is_refused_with_the_url_to_use(tmp_path: Path) -> None:
    """The TypeScript SDK's example names itself ``localhost``; configured as 127.0.0.1, the
    PRM check refuses (RFC 9728 §3.3) and every surface says which url to use."""
    (row,) = [r for r in ROWS if r.name == "ts-oauth"]
    home = tmp_path / "codex"
    with running(row, tmp_path) as url:
        aliased = url.replace("localhost", "127.0.0.1")
        write_config(home, NAME, aliased)
        done = mcpdeck(home, "login", NAME)
        assert done.returncode != 0
        assert f'use url = "{url}"' in done.stderr, done.stderr
        listed = json_of(mcpdeck(home, "list", "--json"))
        assert f'use url = "{url}"' in listed[0]["auth"]["detail"]
        report = _doctor(home)
        (found,) = [f for f in report["findings"] if f["id"] == "discovery_failed"]
        assert found["edit"]["key"] == "url" and found["edit"]["value"] == url
