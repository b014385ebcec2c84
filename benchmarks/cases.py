"""The measured rows: `list` (probing and offline), auth status, login, doctor and the TUI.
Each builds its workloads, its cases for both tools, and runs them through ``runner.compare``."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import workloads
from environment import (
    BENCH,
    DOCTOR_DELAYS,
    MCPDECK,
    SIZES,
    SLOW_DELAY,
    TUI_DELAYS,
    TUI_SIZES,
    Farm,
    base_env,
)
from runner import (
    Case,
    Invocation,
    Row,
    Validator,
    compare,
    expect_exit_zero,
    expect_json_list,
    expect_tui_json,
    first_line,
    run_once,
)


def list_rows(work: Path, codex: Path, runs: int, warmup: int) -> list[Row]:
    """Start-up bound rows: the mixed config (probing) and a config neither tool probes."""
    rows = []
    refused = workloads.refused_port()
    for n in SIZES:
        mixed = workloads.make(
            work / f"list-{n}",
            workloads.mixed_config(n, oauth_url=f"http://127.0.0.1:{refused}/mcp"),
            n,
        )
        quiet = workloads.make(
            work / f"noprobe-{n}",
            workloads.no_probe_config(n, url=f"http://127.0.0.1:{refused}/mcp"),
            n,
        )

        def inv(cmd: list[str], wl: workloads.Workload) -> Callable[[int], Invocation]:
            env = base_env(wl)
            return lambda i: Invocation(cmd, env, wl.root)

        probing = [
            Case(
                "mcpdeck list --json",
                "mcpdeck",
                inv([str(MCPDECK), "list", "--json"], mixed),
                expect_json_list(n),
            ),
            Case(
                "codex mcp list --json",
                "codex",
                inv([str(codex), "mcp", "list", "--json"], mixed),
                expect_json_list(n),
            ),
        ]
        compare(f"list --json probing, {n} servers (HTTP ones unreachable)", probing, runs, warmup)
        rows.append(Row("list", f"{n} servers", probing))
        offline = [
            Case(
                "mcpdeck list --json --offline",
                "mcpdeck",
                inv([str(MCPDECK), "list", "--json", "--offline"], quiet),
                expect_json_list(n),
            ),
            Case(
                "codex mcp list --json",
                "codex",
                inv([str(codex), "mcp", "list", "--json"], quiet),
                expect_json_list(n),
            ),
        ]
        compare(f"list --json, {n} servers neither tool probes", offline, runs, warmup)
        rows.append(Row("offline", f"{n} servers", offline))
    return rows


def expect_slow_statuses(count: int) -> Validator:
    """Every server resolved: OAuth found (mcpdeck) or answered (Codex); none timed out."""
    base = expect_json_list(count)

    def check(code: int, stdout: str, stderr: str) -> tuple[bool, str, dict[str, Any]]:
        ok, note, extra = base(code, stdout, stderr)
        if ok:
            rows = json.loads(stdout)
            extra["unresolved"] = sum(
                1
                for r in rows
                if r.get("auth_status") not in ("oauth_available", "not_logged_in")
                or "timed out" in str((r.get("auth") or {}).get("detail", ""))
            )
        return ok, note, extra

    return check


def status_rows(work: Path, farm: Farm, codex: Path, runs: int, warmup: int) -> list[Row]:
    rows = []
    for n in SIZES:
        ports = farm.ports["slow"][:n]
        wl = workloads.make(work / f"status-{n}", workloads.oauth_servers_config(ports), n)
        env = base_env(wl)
        cases = [
            Case(
                "mcpdeck list --json",
                "mcpdeck",
                lambda i, env=env, wl=wl: Invocation(
                    [str(MCPDECK), "list", "--json"], env, wl.root
                ),
                expect_slow_statuses(n),
            ),
            Case(
                "codex mcp list --json",
                "codex",
                lambda i, env=env, wl=wl: Invocation(
                    [str(codex), "mcp", "list", "--json"], env, wl.root
                ),
                expect_slow_statuses(n),
            ),
        ]
        # what each tool asks every server for (one run each, outside the timed runs)
        requests: dict[str, dict[str, int]] = {}
        if n == 100:
            for case in cases:
                farm.reset()
                sample = run_once(case.prepare(0), case.validate)
                if sample.ok:
                    requests[case.tool] = farm.stats()
        delay = f"{SLOW_DELAY * 1000:.0f} ms"
        compare(f"auth status of {n} servers answering after {delay}", cases, runs, warmup)
        row = Row("status", f"{n} OAuth servers, {delay} each", cases)
        for case in cases:
            unresolved = [s.extra.get("unresolved", 0) for s in case.samples]
            if unresolved:
                row.notes.append(
                    f"{case.label}: servers not resolved per run (timeouts, errors): "
                    f"max {max(unresolved)} of {n}"
                )
        for tool, counts in requests.items():
            per_server = {k: v / len(ports) for k, v in sorted(counts.items())}
            shown = ", ".join(f"{k} ×{v:g}" for k, v in per_server.items())
            row.notes.append(f"{tool} requests per server: {shown}")
        rows.append(row)
    return rows


class BrowserStandIn:
    """The login's browser: ``BROWSER`` names a two-line shell script that writes the URL to a
    FIFO and returns; a thread of this (already running) process follows the redirects into the
    tool's callback. No second interpreter starts on either side."""

    def __init__(self, work: Path) -> None:
        self.fifo = work / "browser.fifo"
        os.mkfifo(self.fifo)
        self.script = work / "browser.sh"
        self.script.write_text('#!/bin/sh\nprintf \'%s\\n\' "$1" > "$BENCH_BROWSER_FIFO"\n')
        self.script.chmod(0o755)
        self.visits: list[str] = []
        self._stop = False
        # no proxies: the callback is on loopback
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop:
            with open(self.fifo, encoding="utf-8") as fh:  # blocks until a tool writes
                for line in fh:
                    url = line.strip()
                    if url:
                        threading.Thread(target=self._follow, args=(url,), daemon=True).start()

    def _follow(self, url: str) -> None:
        try:
            with self._opener.open(url, timeout=30) as response:
                response.read()
                self.visits.append(f"{response.status}")
        except Exception as exc:
            self.visits.append(f"error {type(exc).__name__}")

    def stop(self) -> None:
        self._stop = True
        with contextlib.suppress(OSError), open(self.fifo, "w") as fh:  # wake the reader
            fh.write("\n")


def login_row(work: Path, farm: Farm, codex: Path, runs: int, warmup: int) -> Row:
    port = farm.ports["login"][0]
    text = workloads.login_config(port)
    browser = BrowserStandIn(work)

    def fresh(
        tool: str, cmd_for: Callable[[workloads.Workload], list[str]]
    ) -> Callable[[int], Invocation]:
        def prepare(i: int) -> Invocation:
            wl = workloads.make(work / f"login-{tool}-{i}", text, 1)
            env = base_env(wl)
            env["BROWSER"] = str(browser.script)
            env["BENCH_BROWSER_FIFO"] = str(browser.fifo)
            return Invocation(cmd_for(wl), env, wl.root, timeout=60)

        return prepare

    cases = [
        Case(
            "mcpdeck login bench-login",
            "mcpdeck",
            fresh("mcpdeck", lambda wl: [str(MCPDECK), "login", "bench-login"]),
            expect_exit_zero,
        ),
        Case(
            "codex mcp login bench-login",
            "codex",
            fresh("codex", lambda wl: [str(codex), "mcp", "login", "bench-login"]),
            expect_exit_zero,
        ),
    ]
    try:
        compare("login round trip (auto-approving authorization server)", cases, runs, warmup)
    finally:
        browser.stop()
    row = Row("login", "1 server, local AS (auto-approve), DCR + PKCE + token", cases)
    for tool in ("mcpdeck", "codex"):
        dirs = sorted(work.glob(f"login-{tool}-*/codex_home"))
        with_files = [
            d for d in dirs if any(p.is_file() and p.name != "config.toml" for p in d.rglob("*"))
        ]
        row.notes.append(
            f"{tool}: credentials written in {len(with_files)}/{len(dirs)} fresh CODEX_HOMEs"
        )
    return row


def expect_doctor(count: int) -> Validator:
    def check(code: int, stdout: str, stderr: str) -> tuple[bool, str, dict[str, Any]]:
        if code not in (0, 1):
            return False, f"exit {code}: {first_line(stderr) or first_line(stdout)}", {}
        try:
            report = json.loads(stdout)
        except ValueError:
            return False, f"exit {code}: {first_line(stderr) or 'no JSON on stdout'}", {}
        servers = report.get("servers") if isinstance(report, dict) else report
        if not isinstance(servers, list | dict) or len(servers) != count:
            return False, f"expected {count} servers in the report", {}
        return True, "", {}

    return check


def doctor_row(work: Path, farm: Farm, runs: int, warmup: int) -> Row:
    ports = farm.ports["doctor"]
    text = (
        workloads.HEADER
        + "\n"
        + "\n".join(
            f'[mcp_servers.doc-{n:02d}]\nurl = "http://127.0.0.1:{port}/mcp"\n'
            for n, port in enumerate(ports)
        )
    )
    wl = workloads.make(work / "doctor-20", text, len(ports))
    env = base_env(wl)
    slowest = f"doc-{len(ports) - 1:02d}"
    cases = [
        Case(
            f"mcpdeck doctor {slowest} --json (the slowest server alone)",
            "mcpdeck",
            lambda i: Invocation([str(MCPDECK), "doctor", slowest, "--json"], env, wl.root),
            expect_doctor(1),
        ),
        Case(
            f"mcpdeck doctor --json (all {len(ports)})",
            "mcpdeck",
            lambda i: Invocation([str(MCPDECK), "doctor", "--json"], env, wl.root),
            expect_doctor(len(ports)),
        ),
    ]
    compare(f"doctor over {len(ports)} HTTP servers (concurrency)", cases, runs, warmup)
    return Row("doctor", f"{len(ports)} MCP servers, {DOCTOR_DELAYS} s per response", cases)


def tui_rows(work: Path, farm: Farm, runs: int, warmup: int, presses: int) -> list[Row]:
    rows = []
    for n in TUI_SIZES:
        ports = farm.ports[f"tui{n}"]
        wl = workloads.make(work / f"tui-{n}", workloads.oauth_servers_config(ports), n)
        env = base_env(wl)
        env["TERM"] = "xterm-256color"
        cmd = [
            sys.executable,
            str(BENCH / "tui_probe.py"),
            str(wl.codex_home),
            str(wl.root),
            str(n),
            str(presses),
        ]
        case = Case(
            "mcpdeck TUI (run_test, headless)",
            "mcpdeck",
            lambda i, cmd=cmd, env=env, wl=wl: Invocation(cmd, env, wl.root, timeout=90),
            expect_tui_json,
        )
        compare(f"TUI with {n} servers: paint, keys during probes, quit", [case], runs, warmup)
        rows.append(Row("tui", f"{n} OAuth servers, {TUI_DELAYS} s per response", [case]))
    return rows
