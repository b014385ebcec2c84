"""Smoke tests of the benchmark harness: workloads, loopback servers, browser script, report.

No timing assertions: these check that the pieces the benchmark relies on do what they claim.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from tests.peers import codex_binary

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import cases as bench_cases  # noqa: E402
import environment as bench_env  # noqa: E402
import report as bench_report  # noqa: E402
import runner as bench_runner  # noqa: E402
import workloads  # noqa: E402


@pytest.mark.parametrize("count", [10, 100])
def test_mixed_config_has_the_advertised_mix(count: int, tmp_path: Path) -> None:
    text = workloads.mixed_config(count, oauth_url="http://127.0.0.1:9/mcp")
    servers = tomllib.loads(text)["mcp_servers"]
    assert len(servers) == count
    stdio = [s for s in servers.values() if "command" in s]
    http = [s for s in servers.values() if "url" in s]
    assert len(stdio) + len(http) == count
    assert stdio and http
    assert any("bearer_token_env_var" in s for s in http)
    assert any("scopes" in s for s in http)
    assert any(s.get("enabled") is False for s in servers.values())
    # nothing may send a tool to the internet
    assert all(urlsplit(s["url"]).hostname == "127.0.0.1" for s in http)


def test_workloads_load_cleanly_in_mcpdeck(tmp_path: Path) -> None:
    from mcpdeck.config.loader import load_config

    for count, text in (
        (100, workloads.mixed_config(100, oauth_url="http://127.0.0.1:9/mcp")),
        (3, workloads.oauth_servers_config([1001, 1002, 1003])),
        (1, workloads.login_config(1004)),
    ):
        wl = workloads.make(tmp_path / f"w{count}", text, count)
        loaded = load_config(wl.codex_home, wl.root)
        assert len(loaded.servers) == count
        assert loaded.all_problems() == []


def test_codex_accepts_the_mixed_config(tmp_path: Path) -> None:
    codex = codex_binary()
    if codex is None:
        pytest.skip("Codex CLI is not installed: run `python3 scripts/peers.py install`")
    port = workloads.refused_port()
    wl = workloads.make(
        tmp_path / "w", workloads.mixed_config(30, oauth_url=f"http://127.0.0.1:{port}/mcp"), 30
    )
    env = {"PATH": os.environ["PATH"], "HOME": str(wl.home), "CODEX_HOME": str(wl.codex_home)}
    done = subprocess.run(
        [str(codex), "mcp", "list", "--json"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert len(rows) == 30
    assert {r["transport"]["type"] for r in rows} == {"stdio", "streamable_http"}


@pytest.fixture
def farm(tmp_path: Path) -> Iterator[dict[str, list[int]]]:
    ports_file = tmp_path / "ports.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            str(BENCH / "servers.py"),
            "--group",
            "slow:3:0.05",
            "--group",
            "login:1:0",
            "--ports-file",
            str(ports_file),
        ]
    )
    try:
        deadline = time.monotonic() + 20
        while not ports_file.exists():
            assert proc.poll() is None, "servers.py exited"
            assert time.monotonic() < deadline, "servers.py did not start"
            time.sleep(0.05)
        yield json.loads(ports_file.read_text())
    finally:
        proc.terminate()
        proc.wait(10)


def test_slow_servers_answer_like_oauth_protected_mcp_servers(farm: dict[str, list[int]]) -> None:
    assert len(farm["slow"]) == 3 and len(set(farm["slow"])) == 3
    port = farm["slow"][1]
    origin = f"http://127.0.0.1:{port}"
    with httpx2.Client() as http:
        first = http.post(f"{origin}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "initialize"})
        assert first.status_code == 401
        challenge = first.headers["www-authenticate"]
        assert f'resource_metadata="{origin}/.well-known/oauth-protected-resource/mcp"' in challenge
        prm = http.get(f"{origin}/.well-known/oauth-protected-resource/mcp").json()
        assert prm["resource"] == f"{origin}/mcp"
        assert prm["authorization_servers"] == [origin]
        meta = http.get(f"{origin}/.well-known/oauth-authorization-server").json()
        assert meta["issuer"] == origin
        assert meta["code_challenge_methods_supported"] == ["S256"]
        stats = http.get(f"{origin}/_stats").json()
        assert stats["POST /mcp"] >= 1


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_login_server_runs_a_complete_pkce_flow(farm: dict[str, list[int]]) -> None:
    origin = f"http://127.0.0.1:{farm['login'][0]}"
    redirect = "http://127.0.0.1:1/callback"
    verifier = "v" * 50
    with httpx2.Client() as http:
        client = http.post(f"{origin}/register", json={"redirect_uris": [redirect]}).json()
        auth = http.get(
            f"{origin}/authorize",
            params={
                "response_type": "code",
                "client_id": client["client_id"],
                "redirect_uri": redirect,
                "state": "s1",
                "code_challenge": _challenge(verifier),
                "code_challenge_method": "S256",
                "resource": f"{origin}/mcp",
            },
        )
        assert auth.status_code == 302
        query = parse_qs(urlsplit(auth.headers["location"]).query)
        assert query["state"] == ["s1"] and query["iss"] == [origin]
        wrong = http.post(
            f"{origin}/token",
            data={
                "grant_type": "authorization_code",
                "code": query["code"][0],
                "redirect_uri": redirect,
                "code_verifier": "w" * 50,
            },
        )
        assert wrong.status_code == 400  # and the code is spent
        auth = http.get(str(auth.request.url))
        code = parse_qs(urlsplit(auth.headers["location"]).query)["code"][0]
        token = http.post(
            f"{origin}/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect,
                "code_verifier": verifier,
            },
        ).json()
        answer = http.post(
            f"{origin}/mcp",
            json={"jsonrpc": "2.0", "id": 7, "method": "initialize", "params": {}},
            headers={"Authorization": f"Bearer {token['access_token']}"},
        )
        assert answer.status_code == 200
        assert answer.json()["result"]["serverInfo"]["name"] == "bench"
        other = f"http://127.0.0.1:{farm['slow'][0]}/mcp"
        elsewhere = http.post(other, headers={"Authorization": f"Bearer {token['access_token']}"})
        assert elsewhere.status_code == 401  # a token works only where it was issued


def test_browser_stand_in_follows_redirects_into_the_callback(
    farm: dict[str, list[int]], tmp_path: Path
) -> None:
    hits: list[str] = []

    class Callback(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"done")

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Callback)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        origin = f"http://127.0.0.1:{farm['login'][0]}"
        redirect = f"http://127.0.0.1:{server.server_port}/callback"
        client = httpx2.post(f"{origin}/register", json={"redirect_uris": [redirect]}).json()
        url = str(
            httpx2.URL(
                f"{origin}/authorize",
                params={
                    "client_id": client["client_id"],
                    "redirect_uri": redirect,
                    "state": "xyz",
                    "code_challenge": _challenge("a" * 43),
                    "code_challenge_method": "S256",
                },
            )
        )
        browser = bench_cases.BrowserStandIn(tmp_path)
        try:
            # the tool runs $BROWSER with the URL; the script only hands it over and returns
            env = dict(os.environ, BENCH_BROWSER_FIFO=str(browser.fifo))
            done = subprocess.run([str(browser.script), url], env=env, timeout=10)
            assert done.returncode == 0
            # the callback server records the hit before it answers; the stand-in records its
            # visit once the answer is read
            deadline = time.monotonic() + 10
            while not (hits and browser.visits) and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            browser.stop()
        assert hits and hits[0].startswith("/callback?")
        assert "state=xyz" in hits[0]
        assert browser.visits == ["200"]
    finally:
        server.shutdown()


def test_report_says_not_available_for_missing_features(tmp_path: Path) -> None:
    missing = bench_runner.Case(
        "mcpdeck login x",
        "mcpdeck",
        lambda i: bench_runner.Invocation(["true"], {}, tmp_path),
        bench_runner.expect_exit_zero,
    )
    missing.unavailable = "exit 1: No module named 'mcpdeck.commands.login'"
    peer = bench_runner.Case(
        "codex mcp login x",
        "codex",
        lambda i: bench_runner.Invocation(["true"], {}, tmp_path),
        bench_runner.expect_exit_zero,
    )
    peer.samples = [
        bench_runner.Sample(0.3, 60000, 0, True),
        bench_runner.Sample(0.5, 61000, 0, True),
    ]
    rows = [bench_runner.Row("login", "1 server", [missing, peer])]
    ctx = {
        "command": "python3 benchmarks/run.py",
        "date": "today",
        "elapsed": 1.0,
        "runs": "2",
        "warmup": 1,
        "machine": bench_env.machine(),
        "load": (0.5, 0.7, 0.9),
        "mcpdeck_version": "mcpdeck 0",
        "codex_version": "codex 0",
        "codex_path": "codex",
        "imports": "no workload",
    }
    out = tmp_path / "results.md"
    bench_report.write_report(out, ctx, rows)
    text = out.read_text()
    assert "not available yet (exit 1: No module named 'mcpdeck.commands.login')" in text
    assert "**400 ms** (300 ms – 500 ms, n=2)" in text
    assert "not measured" in text  # the goals whose features are missing
    assert (tmp_path / "results-scaling.svg").read_text().startswith("<svg")


def test_servers_set_tcp_nodelay_on_accepted_connections(
    farm: dict[str, list[int]],
) -> None:
    """asyncio sets TCP_NODELAY only on sockets whose protocol is IPPROTO_TCP; accepted
    sockets inherit the listening socket's (protocol 0 made every response body wait for the
    client's delayed ACK)."""
    import socket

    import servers

    sock = servers.listen_sockets(1)[0]
    try:
        assert sock.proto == socket.IPPROTO_TCP
        peer = socket.create_connection(sock.getsockname())
        sock.setblocking(True)
        accepted, _ = sock.accept()
        with accepted, peer:
            assert accepted.proto == socket.IPPROTO_TCP  # asyncio sets TCP_NODELAY on these
    finally:
        sock.close()


def test_no_probe_config_is_probed_by_neither_tool(
    farm: dict[str, list[int]], tmp_path: Path
) -> None:
    codex = codex_binary()
    if codex is None:
        pytest.skip("Codex CLI is not installed: run `python3 scripts/peers.py install`")
    port = farm["login"][0]
    wl = workloads.make(
        tmp_path / "q", workloads.no_probe_config(20, url=f"http://127.0.0.1:{port}/mcp"), 20
    )
    env = {"PATH": os.environ["PATH"], "HOME": str(wl.home), "CODEX_HOME": str(wl.codex_home)}
    httpx2.post(f"http://127.0.0.1:{port}/_reset")
    for cmd in (
        [str(codex), "mcp", "list", "--json"],
        [sys.executable, "-m", "mcpdeck", "list", "--json"],
    ):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert len(json.loads(done.stdout)) == 20
    assert httpx2.get(f"http://127.0.0.1:{port}/_stats").json() == {}


def test_validators_reject_wrong_output() -> None:
    check = bench_runner.expect_json_list(2)
    assert check(0, json.dumps([{"auth_status": "none"}] * 2), "")[0]
    assert not check(0, json.dumps([{}]), "")[0]
    ok, note, _ = check(1, "", "Traceback (most recent call last):\n  x\nValueError: boom\n")
    assert not ok and note == "exit 1: ValueError: boom"


def test_open_group_serves_mcp_without_authentication(tmp_path: Path) -> None:
    import servers

    group = servers.parse_group("doctor:3:0.1-0.3:open")
    assert group.open and [round(group.delay(i), 3) for i in range(3)] == [0.1, 0.2, 0.3]
    assert not servers.parse_group("slow:2:0.2").open

    ports_file = tmp_path / "ports.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            str(BENCH / "servers.py"),
            "--group",
            "doc:2:0:open",
            "--ports-file",
            str(ports_file),
        ]
    )
    try:
        deadline = time.monotonic() + 20
        while not ports_file.exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        port = json.loads(ports_file.read_text())["doc"][0]
        url = f"http://127.0.0.1:{port}/mcp"
        init = httpx2.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "initialize"})
        assert init.status_code == 200 and init.json()["result"]["capabilities"] == {"tools": {}}
        tools = httpx2.post(url, json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
        assert [t["name"] for t in tools.json()["result"]["tools"]] == [
            "search",
            "fetch",
            "summarize",
        ]
        note = httpx2.post(url, json={"jsonrpc": "2.0", "method": "notifications/initialized"})
        assert note.status_code == 202
    finally:
        proc.terminate()
        proc.wait(10)


def test_tui_probe_reports_paint_and_key_times(farm: dict[str, list[int]], tmp_path: Path) -> None:
    wl = workloads.make(tmp_path / "tui", workloads.oauth_servers_config(farm["slow"]), 3)
    env = dict(os.environ, CODEX_HOME=str(wl.codex_home), HOME=str(wl.home))
    env["BENCH_SPAWN_NS"] = str(time.monotonic_ns())
    done = subprocess.run(
        [sys.executable, str(BENCH / "tui_probe.py"), str(wl.codex_home), str(wl.root), "3", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["servers"] == 3
    assert 0 < result["any_paint_s"] <= result["first_paint_s"]
    assert len(result["key_ms"]) == 2 and all(k > 0 for k in result["key_ms"])
    assert result["exited_s"] >= result["keys_done_s"]
