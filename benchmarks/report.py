"""The report: results.md (goals of issue 16 with verdicts, every figure, the start-up
profile, the method) next to the chart written by ``chart.chart_svg``."""

from __future__ import annotations

import platform
import statistics
from pathlib import Path
from typing import Any

from chart import chart_svg
from environment import CODEX_PIN
from runner import Case, Row, find_case, median_of


def fmt_s(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"


def spread(case: Case) -> str:
    if case.unavailable:
        return f"not available yet ({case.unavailable})"
    if not case.samples:
        return "no successful run: " + "; ".join(sorted(set(case.failures)))[:200]
    t = case.times()
    out = f"**{fmt_s(statistics.median(t))}** ({fmt_s(min(t))} – {fmt_s(max(t))}, n={len(t)})"
    if case.failures:
        out += f", {len(case.failures)} failed run(s): {case.failures[0][:120]}"
    return out


def ratio(a: Case, b: Case) -> str:
    ma, mb = a.median(), b.median()
    if ma is None or mb is None or mb == 0:
        return "—"
    return f"{ma / mb:.2f}×"


def _ratio_goal(
    label: str, mine: Case | None, peer: Case | None, limit: float
) -> tuple[str, str, str]:
    a, b = median_of(mine), median_of(peer)
    if a is None or b is None:
        return label, "not measured in this run", "—"
    r = a / b
    return label, f"{fmt_s(a)} vs {fmt_s(b)}: **{r:.2f}×**", "MET" if r <= limit else "NOT MET"


def _tui_extra(rows: list[Row], n: int) -> list[dict[str, Any]]:
    case = find_case(rows, "tui", f"{n} ", "mcpdeck")
    return [s.extra | {"seconds": s.seconds} for s in case.samples] if case else []


def _quit_times(samples: list[dict[str, Any]]) -> list[float]:
    """Quit → process gone: from the quit to the end of the process (its wall time)."""
    return [s["seconds"] - s["keys_done_s"] for s in samples if "keys_done_s" in s]


def goal_lines(rows: list[Row]) -> list[tuple[str, str, str]]:
    """Issue 16's goals, each with its figure and verdict (medians of this run)."""
    goals = [
        _ratio_goal(
            "Auth status of 100 OAuth servers answering in 200 ms ≤ 0.8× Codex",
            find_case(rows, "status", "100 ", "mcpdeck"),
            find_case(rows, "status", "100 ", "codex"),
            0.8,
        ),
        _ratio_goal(
            "`list --json` probing, 10 servers, HTTP ones unreachable ≤ 2.5× Codex",
            find_case(rows, "list", "10 ", "mcpdeck"),
            find_case(rows, "list", "10 ", "codex"),
            2.5,
        ),
        _ratio_goal(
            "`list --json --offline`, 100 servers, vs Codex on a config where it probes nothing ≤ 2.0×",
            find_case(rows, "offline", "100 ", "mcpdeck"),
            find_case(rows, "offline", "100 ", "codex"),
            2.0,
        ),
        _ratio_goal(
            "Login round trip ≤ 2.0× Codex",
            find_case(rows, "login", None, "mcpdeck"),
            find_case(rows, "login", None, "codex"),
            2.0,
        ),
    ]
    big = find_case(rows, "status", "1000 ", "mcpdeck")
    if big is not None and big.samples:
        unresolved = max(s.extra.get("unresolved", 0) for s in big.samples)
        med = big.median()
        ok = med is not None and med <= 3.0 and unresolved == 0
        goals.append(
            (
                "Status of 1000 servers answering in 200 ms ≤ 3 s, every one resolved",
                f"{fmt_s(med)} (worst {fmt_s(max(big.times()))}); unresolved in the worst run: {unresolved}",
                "MET" if ok else "NOT MET",
            )
        )
    else:
        goals.append(
            ("Status of 1000 servers ≤ 3 s, all resolved", "not measured in this run", "—")
        )
    tui = _tui_extra(rows, 1000)
    if tui:
        paint = statistics.median(s["first_paint_s"] for s in tui)
        keys = [k for s in tui for k in s.get("key_ms", [])]
        p95 = _pct(keys, 95) if keys else float("inf")
        goals.append(
            (
                "TUI first paint with 1000 servers ≤ 1 s",
                f"{fmt_s(paint)} (worst {fmt_s(max(s['first_paint_s'] for s in tui))})",
                "MET" if paint <= 1.0 else "NOT MET",
            )
        )
        goals.append(
            (
                "TUI key → render p95 ≤ 30 ms while 1000 probes run",
                f"p95 {p95:.1f} ms, median {statistics.median(keys):.1f} ms, worst {max(keys):.1f} ms (n={len(keys)})"
                if keys
                else "no key measured",
                "MET" if p95 <= 30 else "NOT MET",
            )
        )
        quits = _quit_times(tui)
        pending = [s.get("pending_at_quit", -1) for s in tui]
        goals.append(
            (
                "Quit while probes are in flight ≤ 200 ms (quit → process gone)",
                f"{fmt_s(statistics.median(quits))} (worst {fmt_s(max(quits))}); servers still "
                f"probing at quit: {min(pending)}–{max(pending)} of 1000",
                "MET" if statistics.median(quits) <= 0.2 else "NOT MET",
            )
        )
    else:
        goals.append(("TUI with 1000 servers (paint, keys, quit)", "not measured in this run", "—"))
    peaks = [
        (label, c.peak_mb())
        for label, c in (
            ("status of 1000", big),
            ("TUI with 1000", find_case(rows, "tui", "1000 ", "mcpdeck")),
        )
        if c is not None and c.peak_mb() is not None
    ]
    if peaks:
        worst = max(mb for _, mb in peaks if mb is not None)
        goals.append(
            (
                "Peak RSS ≤ 150 MB at 1000 servers",
                ", ".join(f"{label}: {mb:.0f} MB" for label, mb in peaks),
                "MET" if worst <= 150 else "NOT MET",
            )
        )
    alone = find_case(rows, "doctor", None, "mcpdeck")
    together = None
    for row in rows:
        if row.group == "doctor" and len(row.cases) > 1:
            together = row.cases[1]
    if alone and together and alone.median() and together.median():
        r = together.median() / alone.median()  # type: ignore[operator]
        goals.append(
            (
                "Doctor over 20 servers ≤ the slowest alone + 10%",
                f"{fmt_s(together.median())} vs {fmt_s(alone.median())}: **{r:.2f}×**",
                "MET" if r <= 1.10 else "NOT MET",
            )
        )
    return goals


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def write_report(path: Path, ctx: dict[str, Any], rows: list[Row]) -> None:
    m = ctx["machine"]
    load = ctx["load"]
    out: list[str] = [
        "# mcpdeck vs Codex CLI — benchmark results",
        "",
        f"Generated by `{ctx['command']}` on {ctx['date']} in {ctx['elapsed']:.0f} s.",
        "Every figure comes from that one run; the tools ran alternately, round by round "
        f"({ctx['runs']} timed runs per case after {ctx['warmup']} warm-up). Figures: **median** "
        "(min – max, n). Peak memory: the process's maximum resident set size (wait4 rusage). "
        "How to read this file: benchmarks/README.md.",
        "",
        "## Machine and versions",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores; RAM {m['ram']}",
        f"- OS: {m['os']}",
        f"- Load average (1 min) at start / end of the run: {load[0]:.2f} / {load[1]:.2f} "
        f"(highest seen between groups: {load[2]:.2f}). Anything above the core count means "
        "other work shared the CPUs; alternating the tools spreads that noise over both, but "
        "the absolute figures are then too high.",
        f"- Python {platform.python_version()}; {ctx['mcpdeck_version']}",
        f"- Codex CLI: {ctx['codex_version']} (`{ctx['codex_path']}`; pinned {CODEX_PIN})",
        "",
        "## Goals (issue 16)",
        "",
        "| goal | figure | verdict |",
        "|---|---|---|",
        *(f"| {g} | {f} | {v} |" for g, f, v in goal_lines(rows)),
        "",
        "## How each cost grows with the number of servers",
        "",
        "![median wall time at 10, 100 and 1000 servers](results-scaling.svg)",
        "",
        "Medians from the tables below; both axes logarithmic (`results-scaling.svg`, written by "
        "the same run).",
        "",
        "## Every figure",
        "",
    ]
    titles = {
        "list": "`list --json` with probing (mixed stdio/HTTP config; the HTTP servers point at a refused loopback port)",
        "offline": "`list --json --offline` against Codex on a config neither tool probes (stdio, bearer-token HTTP, disabled)",
        "status": "Auth status with probing: OAuth-protected servers that answer each request after 200 ms",
        "login": "Login round trip (`BROWSER` = a shell script handing the URL to the harness, which follows the redirects)",
        "doctor": "Doctor over 20 HTTP MCP servers (mcpdeck alone)",
        "tui": "TUI (mcpdeck alone)",
    }
    for group in ("list", "offline", "status", "login", "doctor", "tui"):
        group_rows = [r for r in rows if r.group == group]
        if not group_rows:
            continue
        out += [f"### {titles[group]}", ""]
        if group == "tui":
            for row in group_rows:
                out += [f"**{row.workload}**", "", *_tui_table(row), ""]
            continue
        out += [
            "| workload | command | time | CPU time | peak memory | mcpdeck / Codex |",
            "|---|---|---|---|---|---|",
        ]
        for row in group_rows:
            peer = next((c for c in row.cases if c.tool == "codex"), None)
            for c in row.cases:
                rel = ratio(c, peer) if (c.tool == "mcpdeck" and peer) else ""
                mem = f"{c.peak_mb():.0f} MB" if c.peak_mb() is not None else "—"
                cpu = fmt_s(c.cpu_median())
                out.append(
                    f"| {row.workload} | `{c.label}` | {spread(c)} | {cpu} | {mem} | {rel} |"
                )
        for row in group_rows:
            out += [f"- {row.workload}: {note}" for note in row.notes]
        out.append("")
    out += ["## Start-up: imports of the probing `mcpdeck list --json` (10 servers)", ""]
    prof = ctx["imports"]
    if isinstance(prof, str):
        out.append(f"Not measured: {prof}.")
    else:
        out += ["| top-level import | cumulative |", "|---|---|"]
        out += [f"| `{name}` | {sec * 1000:.1f} ms |" for name, sec in prof]
    out += [""]
    for label, found in ctx.get("loaded", []):
        out.append(f"- Heavy packages loaded by {label}: {found}")
    if ctx.get("floors"):
        out += ["", "Floors on this machine (median wall time):", ""]
        out += [f"- {label}: {fmt_s(sec)}" for label, sec in ctx["floors"]]
    out += ["", "## What each tool does in each measurement", "", *METHOD, ""]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    path.with_name("results-scaling.svg").write_text(chart_svg(rows), encoding="utf-8")


def _tui_table(row: Row) -> list[str]:
    case = row.cases[0]
    if case.unavailable or not case.samples:
        return [
            f"Not measured: {case.unavailable or 'no successful run: ' + '; '.join(case.failures)[:200]}"
        ]
    samples = [s.extra | {"seconds": s.seconds} for s in case.samples]
    paints = [s["first_paint_s"] for s in samples]
    anyp = [s["any_paint_s"] for s in samples]
    keys = [k for s in samples for k in s.get("key_ms", [])]
    pending = [p for s in samples for p in s.get("probes_pending", []) if p >= 0]
    quits = _quit_times(samples)

    def line(label: str, values: list[float]) -> str:
        return (
            f"| {label} | {fmt_s(statistics.median(values))} | {fmt_s(min(values))} – "
            f"{fmt_s(max(values))} | {len(values)} |"
        )

    lines = [
        "| measure | median | min – max | n |",
        "|---|---|---|---|",
        line("process start → first screen update", anyp),
        line("process start → table with every server painted", paints),
    ]
    if keys:
        lines.append(
            f"| key (↓/↑) → next screen update with the cursor moved | {statistics.median(keys):.1f} ms "
            f"| {min(keys):.1f} – {max(keys):.1f} ms (p95 {_pct(keys, 95):.1f} ms) | {len(keys)} |"
        )
    if quits:
        lines.append(line("quit (probes in flight) → process gone", quits))
    lines.append(line("whole process (start, paint, keys, quit)", case.times()))
    lines += ["", f"Peak memory {case.peak_mb():.0f} MB."]
    if case.failures:  # left out of every figure above; say so, and why
        lines.append(
            f"{len(case.failures)} failed run(s), not counted: "
            + "; ".join(sorted(set(case.failures)))[:300]
        )
    if pending:
        during = sum(1 for p in pending if p > 0)
        lines.append(
            f"Servers still waiting for their probe when a key was sent: median "
            f"{statistics.median(pending):.0f}, min {min(pending)}, max {max(pending)}; "
            f"{during} of {len(pending)} presses were sent while probes were running."
        )
    return lines


METHOD = [
    "- **Both tools**: a fresh `CODEX_HOME` and `HOME` per workload under `.cache/bench/`, "
    '`mcp_oauth_credentials_store = "file"` (no keyring, no D-Bus), no proxy variables, only '
    "loopback URLs. Wall time is spawn to exit as seen by the harness; each run is a new process.",
    "- **Codex** is its native binary (`@openai/codex-linux-x64`) at the pinned version, not the "
    "npm shim (a Node start-up on top).",
    "- **Loopback servers** (benchmarks/servers.py): one uvicorn process, one listening socket per "
    "server, created with `IPPROTO_TCP` so that asyncio sets `TCP_NODELAY` on every connection "
    "(with protocol 0 every response body waited for the client's delayed ACK, about 40 ms, "
    "which slowed Codex far more than mcpdeck).",
    "- **list rows (probing)**: 40% stdio, 30% HTTP with a bearer token env var or an env "
    "Authorization header, 20% OAuth-style HTTP, 10% disabled; every HTTP URL points at a "
    "loopback port nothing listens on. Both tools probe the HTTP servers they cannot decide from "
    "the config (Codex also those with an env Authorization header); every probe is refused at once.",
    "- **offline rows**: a config of stdio servers, HTTP servers with `bearer_token_env_var` and "
    "disabled servers: Codex probes none of them (checked: the loopback server saw no request), "
    "mcpdeck runs `--offline`.",
    "- **status rows**: 10, 100, 1000 servers on as many loopback ports; every response comes "
    "after 200 ms; each port is its own protected resource and authorization server (401 + "
    "`WWW-Authenticate resource_metadata`, RFC 9728, RFC 8414). The requests each tool makes "
    "per server are listed under the table. A server counts as unresolved when its status is "
    "not the OAuth one (for example a timeout).",
    "- **login row**: a fresh CODEX_HOME per run, so both tools do discovery, dynamic client "
    "registration, PKCE authorization and the token exchange, and store the result in a file. "
    "`BROWSER` is a shell script that writes the URL into a FIFO; a thread of the harness "
    "follows the redirects into the tool's callback (no second interpreter on either side).",
    "- **doctor row**: 20 MCP servers without authentication, each delaying every response by "
    "0.05 s (first) to 0.5 s (last): the slowest alone against all 20.",
    "- **TUI rows**: `benchmarks/tui_probe.py` runs the app as `mcpdeck tui` builds it "
    "(`mcpdeck.tui.app.make_process_app`) in "
    "Textual's headless `run_test` in a new process, on 100 or 1000 OAuth servers that answer "
    "in 0.2 s (first) to 1.2 s (last), so probe results keep arriving through the key presses. "
    "First paint: the first screen update whose table holds every server. Key → render: a key "
    "event (↓ or ↑, about 7 a second) handed to the app as the terminal driver does, to the "
    "next screen update with the cursor moved. Quit: from the quit key (ctrl+q, handed over "
    "the same way) with probes still in flight to the end of the process.",
]
