"""Hostile token responses and tampered stored records (issue 12, "validated records").

One test per attack, each through the real CLI in a subprocess against a loopback
authorization server (tests/oauth/servers.py) whose token response is rewritten, or against a
store whose record was edited by hand. Every run must end in a clear one-line answer (never a
traceback or "unexpected error"), and nothing unusable is ever stored or shown authenticated.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcpdeck.credentials.codex_layout import from_file_entry, from_keyring_json
from mcpdeck.credentials.file_store import PASSPHRASE_ENV, FileStore
from mcpdeck.credentials.record import (
    CODEX_KEYRING_SERVICE,
    MAX_LIFETIME_SEC,
    CredentialKey,
    CredentialRecord,
    CredentialStoreError,
    token_problem,
)
from tests.fixtures.secret_service import SecretService
from tests.oauth.servers import World, world
from tests.peers import ROOT

BROWSER = str(ROOT / "tests" / "conformance" / "browser.py")
CRASH_WORDS = ("Traceback", "unexpected error", "OverflowError", "ValueError", "KeyError")


def _run(
    home: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ, CODEX_HOME=str(home), BROWSER=BROWSER, NO_COLOR="1")
    full.pop(PASSPHRASE_ENV, None)
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "mcpdeck", *args],
        env=full,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _no_crash(done: subprocess.CompletedProcess[str]) -> None:
    for word in CRASH_WORDS:
        assert word not in done.stdout + done.stderr, done.stdout + done.stderr


def _home(tmp_path: Path, w: World, store: str = "file") -> Path:
    home = tmp_path / "codex-home"
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text(
        f'mcp_oauth_credentials_store = "{store}"\n\n[mcp_servers.docs]\nurl = "{w.mcp_url}"\n'
    )
    return home


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()


def _stored_file_entry(home: Path) -> dict[str, Any] | None:
    path = home / ".credentials.json"
    if not path.exists():
        return None

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} stored in {path}")

    [entry] = json.loads(path.read_text(), parse_constant=refuse).values()
    result: dict[str, Any] = entry
    return result


def _hostile(change: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[dict], bytes]:
    # json.dumps writes Infinity and NaN as bare literals, as a hostile server would.
    return lambda issued: json.dumps(change(issued)).encode()


@pytest.fixture
def hostile_world(request: pytest.FixtureRequest) -> Iterator[World]:
    with world(token_body=_hostile(request.param)) as w:
        yield w


def _login_then_look(tmp_path: Path, w: World) -> tuple[Path, dict[str, Any]]:
    home = _home(tmp_path, w)
    done = _run(home, "login", "docs", "--timeout", "30")
    assert done.returncode == 0, done.stderr
    _no_crash(done)
    listed = _run(home, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    _no_crash(listed)
    doctor = _run(home, "doctor", "docs", "--json")
    _no_crash(doctor)
    json.loads(doctor.stdout)  # a report, not a crash
    return home, json.loads(listed.stdout)[0]


@pytest.mark.parametrize("hostile_world", [lambda d: {**d, "expires_in": 1e300}], indirect=True)
def test_huge_expires_in_is_clamped(hostile_world: World, tmp_path: Path) -> None:
    home, entry = _login_then_look(tmp_path, hostile_world)
    assert entry["auth_status"] == "authenticated"
    limit = time.time() + MAX_LIFETIME_SEC + 60
    assert _epoch(entry["auth"]["expires_at"]) <= limit
    stored = _stored_file_entry(home)
    assert stored is not None and stored["expires_at"] <= limit * 1000


@pytest.mark.parametrize(
    "hostile_world", [lambda d: {**d, "expires_in": float("inf")}], indirect=True
)
def test_infinite_expires_in_is_clamped(hostile_world: World, tmp_path: Path) -> None:
    home, entry = _login_then_look(tmp_path, hostile_world)
    assert entry["auth_status"] == "authenticated"
    stored = _stored_file_entry(home)
    assert stored is not None
    assert stored["expires_at"] <= (time.time() + MAX_LIFETIME_SEC + 60) * 1000


@pytest.mark.parametrize(
    "hostile_world", [lambda d: {**d, "expires_in": float("nan")}], indirect=True
)
def test_nan_expires_in_is_not_stored(hostile_world: World, tmp_path: Path) -> None:
    home, entry = _login_then_look(tmp_path, hostile_world)
    # An unknown lifetime: the token is used until the server rejects it, then refreshed.
    stored = _stored_file_entry(home)
    assert stored is not None and "expires_at" not in stored
    assert entry["auth"]["expires_at"] is None


def _refused_login(tmp_path: Path, w: World, words: str) -> subprocess.CompletedProcess[str]:
    home = _home(tmp_path, w)
    done = _run(home, "login", "docs", "--timeout", "30")
    assert done.returncode == 1, done.stdout + done.stderr
    _no_crash(done)
    assert words in done.stderr
    assert done.stderr.strip().count("\n") == 0  # one line
    assert _stored_file_entry(home) is None
    listed = json.loads(_run(home, "list", "--json").stdout)[0]
    assert listed["auth_status"] != "authenticated"
    return done


@pytest.mark.parametrize("hostile_world", [lambda d: {**d, "access_token": 12345}], indirect=True)
def test_non_string_token_is_a_clear_error(hostile_world: World, tmp_path: Path) -> None:
    _refused_login(tmp_path, hostile_world, "access_token is not a string")


@pytest.mark.parametrize("hostile_world", [lambda d: {**d, "access_token": ""}], indirect=True)
def test_empty_token_is_never_stored(hostile_world: World, tmp_path: Path) -> None:
    _refused_login(tmp_path, hostile_world, "access_token is empty")


CRLF_TOKEN = "at-crlf-secret-0123456789\r\nX-Injected: 1"


@pytest.mark.parametrize(
    "hostile_world", [lambda d: {**d, "access_token": CRLF_TOKEN}], indirect=True
)
def test_token_with_crlf_is_refused_and_never_printed(hostile_world: World, tmp_path: Path) -> None:
    done = _refused_login(tmp_path, hostile_world, "control characters")
    for part in ("at-crlf-secret-0123456789", "X-Injected"):
        assert part not in done.stdout + done.stderr


def _tamper_and_check(
    home: Path, edit: Callable[[], None], env: dict[str, str] | None = None
) -> None:
    edit()
    listed = _run(home, "list", "--json", "--offline", env=env)
    assert listed.returncode == 0, listed.stderr
    _no_crash(listed)
    entry = json.loads(listed.stdout)[0]
    assert entry["auth_status"] != "authenticated"
    assert "expires_at is not a number" in entry["auth"]["detail"]
    assert "mcpdeck logout docs" in entry["auth"]["detail"]  # the fix
    plain = _run(home, "list", env=env)
    assert plain.returncode == 0
    _no_crash(plain)
    doctor = _run(home, "doctor", "docs", "--json", env=env)
    _no_crash(doctor)
    findings = json.loads(doctor.stdout)["servers"][0]["findings"]
    [finding] = [f for f in findings if f["id"] == "credentials_invalid"]
    assert "expires_at" in finding["message"] and "mcpdeck logout docs" in finding["fix"]
    # The fix works.
    assert _run(home, "logout", "docs", env=env).returncode == 0
    assert _run(home, "login", "docs", "--timeout", "30", env=env).returncode == 0
    again = json.loads(_run(home, "list", "--json", "--offline", env=env).stdout)[0]
    assert again["auth_status"] == "authenticated"


def test_tampered_file_record_is_a_finding(tmp_path: Path) -> None:
    with world() as w:
        home = _home(tmp_path, w)
        assert _run(home, "login", "docs", "--timeout", "30").returncode == 0
        path = home / ".credentials.json"

        def edit() -> None:
            data = json.loads(path.read_text())
            for entry in data.values():
                entry["expires_at"] = "soon"
            path.write_text(json.dumps(data))

        _tamper_and_check(home, edit)


def test_tampered_keyring_record_is_a_finding(
    secret_service: SecretService, tmp_path: Path
) -> None:
    import secretstorage

    env = secret_service.env()
    with world() as w:
        home = _home(tmp_path, w, store="keyring")
        done = _run(home, "login", "docs", "--timeout", "30", env=env)
        assert done.returncode == 0, done.stderr
        key = CredentialKey.for_server(home, "docs", w.mcp_url)

        def edit() -> None:
            conn = secretstorage.dbus_init()
            try:
                [item] = secretstorage.Collection(conn).search_items(
                    {"service": CODEX_KEYRING_SERVICE, "username": key.store_key()}
                )
                data = json.loads(item.get_secret())
                data["expires_at"] = "soon"
                item.set_secret(json.dumps(data).encode())
            finally:
                conn.close()

        _tamper_and_check(home, edit, env)


def test_passphrase_store_without_its_passphrase_says_what_to_do(tmp_path: Path) -> None:
    home = tmp_path / "codex-home"
    home.mkdir()
    url = "http://127.0.0.1:9/mcp"
    (home / "config.toml").write_text(
        f'mcp_oauth_credentials_store = "file"\n\n[mcp_servers.docs]\nurl = "{url}"\n'
    )
    key = CredentialKey.for_server(home, "docs", url)
    record = CredentialRecord(
        server_name="docs",
        server_url=url,
        client_id="client-1",
        issuer="http://127.0.0.1:9",
        access_token="at-old-mcpdeck-0123456789",
        expires_at=time.time() + 3600,
    )
    FileStore(home, passphrase="correct horse").save(key, record)  # mcpdeck before Codex's layout

    listed = _run(home, "list", "--json", "--offline")
    assert listed.returncode == 0, listed.stderr
    _no_crash(listed)
    detail = json.loads(listed.stdout)[0]["auth"]["detail"]
    assert PASSPHRASE_ENV in detail and "log in again" not in detail.split(";")[0]
    doctor = _run(home, "doctor", "docs", "--json")
    _no_crash(doctor)
    findings = json.loads(doctor.stdout)["servers"][0]["findings"]
    assert any(PASSPHRASE_ENV in (f.get("fix") or "") for f in findings)

    # With the passphrase the old record is readable (and shown for what it is).
    unlocked = _run(home, "list", "--json", "--offline", env={PASSPHRASE_ENV: "correct horse"})
    entry = json.loads(unlocked.stdout)[0]
    assert entry["auth_status"] == "authenticated" and entry["auth"]["store"] == "legacy"


# -- properties: every token response and stored record parses or fails with our own error --

_PROPS = settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["", "at-0123456789", "a\r\nb", "1e300", "soon"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


@_PROPS
@given(
    st.dictionaries(
        st.sampled_from(
            ["access_token", "token_type", "expires_in", "refresh_token", "scope", "id_token"]
        ),
        _json,
        max_size=6,
    )
)
def test_token_responses_parse_or_fail_with_a_token_error(data: dict[str, Any]) -> None:
    from mcpdeck.oauth.errors import OAuthError
    from mcpdeck.oauth.tokens import _parse

    try:
        parsed = _parse(data)
    except OAuthError:
        return
    assert token_problem(parsed.access_token, "access_token") is None
    assert parsed.expires_at is None or math.isfinite(parsed.expires_at)
    assert parsed.expires_at is None or parsed.expires_at <= time.time() + MAX_LIFETIME_SEC + 1


_KEY = CredentialKey("/home", "docs", "https://docs.example.com/mcp")


@_PROPS
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "server_name": _json,
            "url": _json,
            "issuer": _json,
            "client_id": _json,
            "expires_at": _json,
            "token_response": st.dictionaries(
                st.sampled_from(["access_token", "token_type", "refresh_token", "scope"]),
                _json,
                max_size=4,
            )
            | _json,
        },
    )
)
def test_keyring_records_load_or_fail_with_a_store_error(data: dict[str, Any]) -> None:
    try:
        record = from_keyring_json(data, _KEY, "keyring entry")
    except CredentialStoreError:
        return
    assert token_problem(record.access_token, "access_token") is None
    assert record.expires_at is None or math.isfinite(record.expires_at)


@_PROPS
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "server_name",
                "server_url",
                "issuer",
                "client_id",
                "access_token",
                "expires_at",
                "refresh_token",
                "scopes",
            ]
        ),
        _json,
        max_size=8,
    )
)
def test_file_records_load_or_fail_with_a_store_error(data: dict[str, Any]) -> None:
    try:
        record = from_file_entry(data, _KEY, ".credentials.json")
    except CredentialStoreError:
        return
    assert token_problem(record.access_token, "access_token") is None
    assert all(isinstance(s, str) for s in record.granted_scopes)
