"""A login through a real headless Chromium against the demo's consent page.

1. The consent page in a real browser: Approve / Deny, and the redirect carries code, state and
   iss (driven directly, with a callback catcher of this test).
2. The whole `mcpdeck login linear` with ``BROWSER`` pointing at a script that clicks Approve,
   ending with stored credentials and `mcpdeck list --json` saying ``authenticated``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2
import pytest

from mcpdeck.demo.world import DemoWorld
from tests.browser.chromium_approve import approve, chromium_available
from tests.demo.oauth_steps import pkce

SCRIPT = Path(__file__).with_name("chromium_approve.py")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _need_chromium() -> None:
    missing = chromium_available()
    if missing:
        reason = f"Chromium cannot run here: {missing}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def callback_catcher() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A loopback redirect target recording the query of every hit."""
    hits: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/callback":
                hits.append({k: v[0] for k, v in parse_qs(parts.query).items()})
            body = b"<html><body>Callback received.</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/callback", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _authorization_url(
    world: DemoWorld, redirect_uri: str, challenge: str, state: str
) -> tuple[str, str]:
    client = httpx2.post(
        f"{world.as_url}/register",
        json={
            "client_name": "Chromium test",
            "redirect_uris": [redirect_uri],
            "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"],
        },
    ).json()
    params = {
        "response_type": "code",
        "client_id": client["client_id"],
        "redirect_uri": redirect_uri,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": state,
        "resource": world.urls["linear"],
        "scope": "issues:read issues:write",
    }
    return f"{world.as_url}/authorize?{urlencode(params)}", client["client_id"]


def test_consent_page_in_chromium_redirects_with_code_state_and_iss(
    demo_world_factory: Callable[..., DemoWorld],
    callback_catcher: tuple[str, list[dict[str, str]]],
) -> None:
    world = demo_world_factory(auto_approve=False)
    redirect_uri, hits = callback_catcher
    p = pkce()
    url, client_id = _authorization_url(world, redirect_uri, p.challenge, "state-123")

    report = approve(url)

    assert report["ok"], report
    assert report["consent_title"] == "Authorize Chromium test"
    assert "Authorize Chromium test?" in report["consent_text"]
    assert "issues:write" in report["consent_text"]
    assert world.urls["linear"] in report["consent_text"]
    assert report["landing_text"] == "Callback received."
    assert len(hits) == 1
    hit = hits[0]
    assert hit["state"] == "state-123"
    assert hit["iss"] == world.as_url
    token = httpx2.post(
        f"{world.as_url}/token",
        data={
            "grant_type": "authorization_code",
            "code": hit["code"],
            "redirect_uri": redirect_uri,
            "code_verifier": p.verifier,
            "client_id": client_id,
            "resource": world.urls["linear"],
        },
    )
    assert token.status_code == 200, token.text
    assert token.json()["scope"] == "issues:read issues:write"


def test_deny_in_chromium_redirects_with_access_denied(
    demo_world_factory: Callable[..., DemoWorld],
    callback_catcher: tuple[str, list[dict[str, str]]],
) -> None:
    world = demo_world_factory(auto_approve=False)
    redirect_uri, hits = callback_catcher
    url, _ = _authorization_url(world, redirect_uri, pkce().challenge, "state-deny")
    report = approve(url, decision="deny")
    assert report["ok"], report
    assert [(h["error"], h["state"], h["iss"]) for h in hits] == [
        ("access_denied", "state-deny", world.as_url)
    ]
    assert "code" not in hits[0]


def _mcpdeck(
    world: DemoWorld, env: dict[str, str], *args: str, timeout: float
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mcpdeck",
            "--codex-home",
            str(world.codex_home),
            "-C",
            str(world.project_dir),
            *args,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def test_mcpdeck_login_through_chromium(
    demo_world_factory: Callable[..., DemoWorld], tmp_path: Path
) -> None:
    world = demo_world_factory(auto_approve=False)
    wrapper = tmp_path / "browser.sh"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{SCRIPT}" "$@"\n')
    wrapper.chmod(0o755)
    report_path = tmp_path / "browser-report.json"
    env = {
        **os.environ,
        **world.env,
        "BROWSER": str(wrapper),
        "MCPDECK_BROWSER_REPORT": str(report_path),
        "PYTHONPATH": str(ROOT),
    }

    login = _mcpdeck(world, env, "login", "linear", "--timeout", "120", timeout=180)

    report = json.loads(report_path.read_text()) if report_path.exists() else {}
    assert login.returncode == 0, (login.stdout, login.stderr, report)
    assert report.get("ok"), report
    assert "Approve" in report["consent_text"]
    assert report["final_url"].startswith("http://127.0.0.1:")
    assert urlsplit(report["final_url"]).path == "/callback"
    decisions = [e for e in world.auth_server.events if e["endpoint"] == "decision"]
    assert [e["outcome"] for e in decisions] == ["approved"]

    # tokens are stored under the demo CODEX_HOME and never printed
    token_events = [e for e in world.auth_server.events if e["endpoint"] == "token"]
    assert token_events and token_events[-1]["outcome"] == "ok"
    stored = [p for p in world.codex_home.rglob("*") if p.is_file() and p.name != "config.toml"]
    assert stored, "no credential file under CODEX_HOME"

    listed = _mcpdeck(world, env, "list", "--json", timeout=60)
    assert listed.returncode == 0, listed.stderr
    servers = {s["name"]: s for s in json.loads(listed.stdout)}
    assert servers["linear"]["auth_status"] == "authenticated"
    assert "issues:read" in servers["linear"]["auth"]["scopes"]
    assert servers["broken"]["auth_status"] == "oauth_available"
    for output in (login.stdout, login.stderr, listed.stdout):
        assert "demo_at_" not in output and "demo_rt_" not in output
