"""The real Codex CLI (0.171.0) and mcpdeck side by side on one CODEX_HOME and one keyring.

- ``Pair.codex(...)``/``Pair.mcpdeck(...)``: run either CLI in a subprocess; the browser is
  ``tests/conformance/browser.py`` (GET the authorization URL, follow redirects), so both
  logins complete against the loopback authorization server of ``tests/oauth/servers.py``.
- ``Pair.codex_session()``: ``codex app-server`` asked for ``mcpServerStatus/list``, which
  makes Codex start a real MCP session with its stored token (initialize + tools/list) with no
  model involved; returns that server's entry (``tools``, ``authStatus``).
- ``keyring_items(service)``: what the Secret Service holds, read with secretstorage.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fixtures.secret_service import SecretService
from tests.peers import ROOT

BROWSER = str(ROOT / "tests" / "conformance" / "browser.py")
_SESSION_WAIT_SEC = 90.0


@dataclass
class Pair:
    codex_bin: Path
    home: Path  # CODEX_HOME
    user_home: Path
    bus_address: str | None  # None: no Secret Service reachable (file-only machine)

    def env(self, *, for_mcpdeck: bool) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CODEX_", "OPENAI_"))}
        env.pop("MCPDECK_CREDENTIALS_PASSPHRASE", None)
        env.update(
            CODEX_HOME=str(self.home), HOME=str(self.user_home), BROWSER=BROWSER, NO_COLOR="1"
        )
        env["DBUS_SESSION_BUS_ADDRESS"] = self.bus_address or (
            f"unix:path={self.user_home / 'no-bus'}"
        )
        if for_mcpdeck and self.bus_address:
            env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.SecretService.Keyring"
        else:
            env.pop("PYTHON_KEYRING_BACKEND", None)
        return env

    def codex(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.codex_bin), *args],
            env=self.env(for_mcpdeck=False),
            cwd=self.user_home,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def mcpdeck(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mcpdeck", *args],
            env=self.env(for_mcpdeck=True),
            cwd=self.user_home,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def codex_status(self, name: str) -> str:
        done = self.codex("mcp", "list", "--json")
        assert done.returncode == 0, done.stderr
        entries = {e["name"]: e for e in json.loads(done.stdout)}
        return str(entries[name]["auth_status"])

    def mcpdeck_entry(self, name: str) -> dict[str, Any]:
        done = self.mcpdeck("list", "--json")
        assert done.returncode == 0, done.stderr
        entries = {e["name"]: e for e in json.loads(done.stdout)}
        entry: dict[str, Any] = entries[name]
        return entry

    def codex_session(self, name: str) -> dict[str, Any]:
        """Codex connects to the server with its stored token; that server's status entry."""
        proc = subprocess.Popen(
            [str(self.codex_bin), "app-server"],
            env=self.env(for_mcpdeck=False),
            cwd=self.user_home,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert proc.stdin is not None and proc.stdout is not None

            def send(message: dict[str, Any]) -> None:
                assert proc.stdin is not None
                proc.stdin.write(json.dumps(message) + "\n")
                proc.stdin.flush()

            def answer(request_id: int) -> dict[str, Any]:
                assert proc.stdout is not None
                deadline = time.monotonic() + _SESSION_WAIT_SEC
                while time.monotonic() < deadline:
                    ready, _, _ = select.select([proc.stdout], [], [], 1.0)
                    if not ready:
                        continue
                    line = proc.stdout.readline()
                    if not line:
                        break
                    message: dict[str, Any] = json.loads(line)
                    if message.get("id") == request_id:
                        return message
                raise AssertionError(f"codex app-server gave no answer to request {request_id}")

            client = {"name": "mcpdeck-tests", "version": "0"}
            send(
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "initialize",
                    "params": {"clientInfo": client},
                }
            )
            assert "result" in answer(1)
            send({"jsonrpc": "2.0", "method": "initialized"})
            send({"jsonrpc": "2.0", "id": 2, "method": "mcpServerStatus/list", "params": {}})
            reply = answer(2)
            assert "result" in reply, reply
            servers = {s["name"]: s for s in reply["result"]["data"]}
            server: dict[str, Any] = servers[name]
            return server
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def keyring_items(service: SecretService, service_name: str) -> list[tuple[dict[str, str], str]]:
    """(attributes, secret) of every item under ``service_name`` in the test Secret Service."""
    import secretstorage
    from jeepney.io.blocking import open_dbus_connection

    out: list[tuple[dict[str, str], str]] = []
    with contextlib.closing(open_dbus_connection(service.address)) as conn:
        for collection in secretstorage.get_all_collections(conn):
            for item in collection.search_items({"service": service_name}):
                out.append((item.get_attributes(), item.get_secret().decode("utf-8")))
    return out


def seed_keyring_item(service: SecretService, service_name: str, account: str, value: str) -> None:
    """An item as another program (Codex's ChatGPT sign-in) would have left it."""
    import secretstorage
    from jeepney.io.blocking import open_dbus_connection

    with contextlib.closing(open_dbus_connection(service.address)) as conn:
        secretstorage.Collection(conn).create_item(
            f"{account}@{service_name}",
            {"service": service_name, "username": account, "target": "default"},
            value.encode("utf-8"),
            replace=True,
        )
