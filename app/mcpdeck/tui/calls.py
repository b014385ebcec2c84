"""The TUI's door to the call service (the screens run these in workers; no Textual here)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from mcpdeck.tui.model import LoginOutcome

if TYPE_CHECKING:
    from mcpdeck.config.model import LoadedConfig
    from mcpdeck.session.calls import ProgressSink
    from mcpdeck.session.results import CallResult, ContentItem, StepUp
    from mcpdeck.tui.history import CallRequest
    from mcpdeck.tui.services import EventSink, Services


async def run_call(
    services: Services,
    loaded: LoadedConfig,
    request: CallRequest,
    on_progress: ProgressSink | None = None,
) -> CallResult:
    from mcpdeck.session.calls import run_call as call

    server = loaded.servers[request.server]
    try:
        store = services._credentials(loaded)
    except Exception:  # no usable store: the call goes out without OAuth and may say 401
        store = None
    return await call(
        server,
        loaded,
        store,
        request.kind,
        request.target,
        request.arguments,
        env=services.env,
        on_progress=on_progress,
    )


async def step_up(
    services: Services, loaded: LoadedConfig, name: str, step: StepUp, on_event: EventSink
) -> LoginOutcome:
    from mcpdeck.oauth.trace import CredentialsStored, FlowTrace
    from mcpdeck.session.calls import step_up_login

    trace = FlowTrace(on_event)
    record = await step_up_login(
        loaded.servers[name],
        loaded,
        services._credentials(loaded),
        step,
        trace,
        open_browser=services.open_browser,
        browser=services.browser,
    )
    stored = next((e for e in reversed(trace.events) if isinstance(e, CredentialsStored)), None)
    return LoginOutcome(
        store=stored.store if stored is not None else None,
        expires_at=record.expires_at,
        granted_scopes=list(record.granted_scopes),
    )


async def save_items(folder: Path, result: CallResult) -> list[Path]:
    """Write every binary item of ``result`` into ``folder``."""
    from mcpdeck.session.results import save_item

    def write() -> list[Path]:
        items: list[tuple[int, ContentItem]] = [
            (i, item) for i, item in enumerate(result.items) if item.data is not None
        ]
        return [save_item(folder, result.target, i, item) for i, item in items]

    return await asyncio.to_thread(write)


def downloads_dir(env: Mapping[str, str], default: Path) -> Path:
    """Where saved images go: $MCPDECK_SAVE_DIR, else ``default`` (the project directory)."""
    chosen = env.get("MCPDECK_SAVE_DIR")
    return Path(chosen) if chosen else default
