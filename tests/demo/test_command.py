"""`mcpdeck demo`: --serve in a real subprocess until Ctrl-C, and the hand-over to the TUI."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import types
from pathlib import Path
from typing import Any

import httpx2
import pytest

from mcpdeck.cli import main


def _refuses(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) != 0


def _read_banner(process: subprocess.Popen[str]) -> str:
    """Lines up to the last hint; a reader thread keeps a hung child from hanging the test."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    seen = []
    while True:
        line = lines.get(timeout=60)
        if line is None:
            break
        seen.append(line)
        if line.strip() == "mcpdeck doctor broken":
            break
    return "".join(seen)


def test_serve_prints_how_to_use_it_and_stops_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "mcpdeck", "demo", "--serve", "--untrusted"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = _read_banner(process)
        home = re.search(r"^\s*export CODEX_HOME=(\S+)$", banner, re.M)
        assert home, banner
        codex_home = Path(home.group(1))
        assert (codex_home / "config.toml").is_file()
        assert "NOT trusted" in banner
        assert re.search(r'export DEMO_DOCS_TOKEN="\$\(cat \S+docs-token\)"', banner)
        token = (codex_home.parent / "docs-token").read_text().strip()
        assert token not in banner  # the secret stays in its 0600 file
        urls = dict(re.findall(r"^\s*(linear|docs|staging|broken)\s+(http://\S+)", banner, re.M))
        assert set(urls) == {"linear", "docs", "staging", "broken"}
        assert httpx2.post(urls["linear"], json={}).status_code == 401
        ports = [int(u.split(":")[2].split("/")[0]) for u in urls.values()]
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert all(_refuses(p) for p in ports)
    assert not codex_home.exists()


def test_non_positive_token_lifetime_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--serve", "--token-lifetime", "0"]) == 2
    assert "--token-lifetime" in capsys.readouterr().err


def test_demo_opens_the_tui_on_the_running_world(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def run_tui(codex_home: Path, cwd: Path, *, env: Any = None, demo: Any = None) -> int:
        seen.update(codex_home=codex_home, cwd=cwd, env=env, demo=demo)
        # the world is live while the TUI runs, and the docs token resolves in-process
        seen["status"] = httpx2.get(
            f"{demo.as_url}/.well-known/oauth-authorization-server"
        ).status_code
        seen["docs_env"] = os.environ.get("DEMO_DOCS_TOKEN")
        return 0

    fake = types.ModuleType("mcpdeck.tui.app")
    fake.run_tui = run_tui  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "mcpdeck.tui.app", fake)
    monkeypatch.delenv("DEMO_DOCS_TOKEN", raising=False)
    assert main(["demo", "--auto-approve", "--token-lifetime", "30"]) == 0
    world = seen["demo"]
    assert seen["codex_home"] == world.codex_home
    assert seen["cwd"] == world.project_dir
    assert seen["env"] == world.env
    assert seen["status"] == 200
    assert seen["docs_env"] == world.docs_token
    assert world.auto_approve and world.token_lifetime == 30
    assert "DEMO_DOCS_TOKEN" not in os.environ  # restored afterwards
    assert not world.root.exists()


def test_demo_without_a_tui_shows_the_servers(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "mcpdeck.tui.app", None)  # import fails as if absent
    code = main(["demo", "--auto-approve"])
    out = capsys.readouterr().out
    assert "not available" in out
    for name in ("linear", "docs", "local", "staging", "broken"):
        assert name in out
    assert code in (0, 1, 3)  # `mcpdeck list` may report servers needing a login
