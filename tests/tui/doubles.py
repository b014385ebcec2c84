"""Services doubles for what the demo world cannot script: a login paused mid-flow, slow probes.

Everything else in these classes is the real :class:`Services` (real config files, real stores).
"""

from __future__ import annotations

import asyncio
from typing import Any

from mcpdeck.config.model import LoadedConfig
from mcpdeck.diagnostics.edits import SetKey
from mcpdeck.oauth.trace import FlowTrace, WaitingForCallback
from mcpdeck.tui.model import FindingView, ItemView, LoginOutcome, ReportView, ToolView, TraceLine
from mcpdeck.tui.services import EventSink, Services

AUTH_URL = "http://127.0.0.1:4444/authorize?response_type=code&client_id=demo&state=abc"


class PausedLoginServices(Services):
    """Emits the flow's events up to "waiting for the browser", then waits for ``approve``."""

    def __init__(self, *args: Any, fail_with: Exception | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.approve = asyncio.Event()
        self.waiting = asyncio.Event()
        self.listener_closed = False
        self.stored = False
        self.fail_with = fail_with

    async def login(
        self, loaded: LoadedConfig, name: str, on_event: EventSink, *, paste: object = None
    ) -> LoginOutcome:
        trace = FlowTrace(on_event)
        trace.emit("probe", "ok", "401 with WWW-Authenticate: resource_metadata", elapsed_ms=12)
        trace.emit("discovery", "ok", "protected resource metadata found", elapsed_ms=8)
        trace.emit("discovery", "ok", "authorization server metadata (RFC 8414)", elapsed_ms=6)
        trace.emit("registration", "ok", "dynamic client registration: client demo", elapsed_ms=9)
        trace.authorization_url(
            AUTH_URL,
            scopes=["read"],
            scope_source="config",
            resource="http://127.0.0.1:4444/mcp",
            redirect_uri="http://127.0.0.1:5555/callback",
        )
        trace.emit("browser", "skip", "not opening a browser (tests)")
        waiting = "waiting for the OAuth callback (up to 300 s)"
        trace.forward(
            WaitingForCallback("waiting", "start", waiting, data={"timeout": 300}, timeout=300)
        )
        try:
            self.waiting.set()
            await self.approve.wait()
        finally:
            self.listener_closed = True
        if self.fail_with is not None:
            trace.emit("callback", "fail", str(self.fail_with))
            raise self.fail_with
        trace.emit("callback", "ok", "authorization response received")
        trace.emit("token", "ok", "token exchange: 200", elapsed_ms=15)
        self.stored = True
        trace.credentials_stored("file", expires_at=None, scopes=["read"], refreshable=False)
        return LoginOutcome(store="file", expires_at=None, granted_scopes=["read"])


def sample_report(name: str) -> ReportView:
    """A fixed doctor report, so the diagnostic tabs can be snapshotted byte for byte."""
    return ReportView(
        name=name,
        overview=[
            ("Status", "warning"),
            ("Transport", "type=streamable_http, url=http://127.0.0.1:PORT/mcp"),
            ("Defined in", "user layer, /w/home/config.toml"),
            ("Trusted", "yes"),
            ("Enabled", "yes"),
            ("  url", "http://127.0.0.1:PORT/mcp   ← /w/home/config.toml:2"),
            ("  enabled_tools", '["search", "restart"]   ← /w/home/config.toml:3'),
            ("Server", "linear-demo 1.0"),
            ("Protocol", "2025-06-18"),
        ],
        auth=[
            ("Status", "authenticated"),
            ("Detail", "logged in (credentials in file)"),
            ("Store", "file"),
            ("Scopes asked", "issues:read"),
            ("Scopes granted", "issues:read"),
            ("JWT aud (unverified)", "http://127.0.0.1:PORT/mcp"),
        ],
        discovery=[
            TraceLine("probe", "info", "POST http://127.0.0.1:PORT/mcp → 401", 12),
            TraceLine("discovery", "ok", "GET /.well-known/oauth-protected-resource/mcp → 200", 8),
            TraceLine("discovery", "ok", "GET /.well-known/oauth-authorization-server → 200", 5),
        ],
        tools=[
            ToolView(
                "search",
                True,
                "Search issues by text.",
                {
                    "type": "object",
                    "properties": {"query": {"type": "string"}},
                    "required": ["query"],
                },
            ),
            ToolView(
                "create_issue", False, "Create an issue.", {"type": "object"}, "enabled_tools"
            ),
        ],
        resources=[ItemView("readme", "demo://readme", "What this server is")],
        templates=[ItemView("issue", "demo://issues/{id}", "One issue by id")],
        prompts=[ItemView("triage", "issue_id", "Triage one issue")],
        log=[
            TraceLine("http", "ok", "POST http://127.0.0.1:PORT/mcp → 200 (initialize)", 9),
            TraceLine("http", "ok", "POST http://127.0.0.1:PORT/mcp → 200 (tools/list)", 4),
        ],
        findings=[
            FindingView(
                "warning",
                "enabled_tools names restart, which this server does not offer",
                "remove it from enabled_tools",
                SetKey("/w/home/config.toml", name, "enabled_tools", ["search"]),
                "unknown_enabled_tool",
                'set enabled_tools = ["search"] in [mcp_servers.linear] of /w/home/config.toml',
            ),
            FindingView("info", "the token expires in 2 min; it will be refreshed", ""),
        ],
    )


class FixedReportServices(PausedLoginServices):
    async def diagnose(self, loaded: LoadedConfig, name: str) -> ReportView:
        return sample_report(name)
