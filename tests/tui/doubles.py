"""Services doubles for what the demo world cannot script: a login paused mid-flow, slow probes.

Everything else in these classes is the real :class:`Services` (real config files, real stores).
"""

from __future__ import annotations

import asyncio
from typing import Any

from mcpdeck.config.model import LoadedConfig
from mcpdeck.oauth.trace import FlowTrace
from mcpdeck.tui.model import LoginOutcome
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

    async def login(self, loaded: LoadedConfig, name: str, on_event: EventSink) -> LoginOutcome:
        trace = FlowTrace(on_event)
        trace.emit("probe", "ok", "401 with WWW-Authenticate: resource_metadata", elapsed_ms=12)
        trace.emit("discovery", "ok", "protected resource metadata found", elapsed_ms=8)
        trace.emit("discovery", "ok", "authorization server metadata (RFC 8414)", elapsed_ms=6)
        trace.emit("registration", "ok", "dynamic client registration: client demo", elapsed_ms=9)
        trace.emit("authorize", "info", f"open this URL to log in: {AUTH_URL}", url=AUTH_URL)
        trace.emit("browser", "skip", "not opening a browser (tests)")
        trace.emit("waiting", "start", "waiting for the OAuth callback (up to 300 s)", timeout=300)
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
        trace.emit("stored", "ok", "credentials stored in file", store="file")
        return LoginOutcome(store="file", expires_at=None, granted_scopes=["read"])
