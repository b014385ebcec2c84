"""The live session of the doctor: open it, list the inventory, and keep what failed and why."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mcpdeck.config.model import LoadedConfig, ServerConfig
from mcpdeck.diagnostics.report import SessionSection
from mcpdeck.oauth.trace import FlowEvent, FlowTrace
from mcpdeck.session.models import Inventory, SessionError


async def run_session(
    server: ServerConfig,
    loaded: LoadedConfig,
    store: Any,
    env: Mapping[str, str],
    trace: FlowTrace,
    timeout: float | None,
    use_oauth: bool,
) -> tuple[SessionSection, Inventory | None, SessionError | None, str | None]:
    """The session's section, inventory and error, and the OAuth error code of a failed
    refresh (the provider keeps it; a 401 alone does not say why)."""
    from mcpdeck.session.connect import open_session
    from mcpdeck.session.inventory import list_inventory

    provider = None
    if use_oauth and store is not None:
        from mcpdeck.oauth.token_provider import TokenProvider

        provider = TokenProvider(server, loaded, store, trace=trace, interactive=False)
    try:
        async with open_session(
            server, token_provider=provider, env=env, trace=trace, startup_timeout=timeout
        ) as session:
            inventory = await list_inventory(session)
            section = SessionSection(
                ok=True,
                initialize=session.info,
                timings=session.timings,
                exchanges=session.exchanges,
            )
            return section, inventory, None, _code(provider)
    except SessionError as err:
        return (
            SessionSection(ok=False, error=err.to_json(), exchanges=list(err.exchanges)),
            None,
            err,
            _code(provider),
        )
    except Exception as exc:  # a bug or an SDK surprise: still a report, never a crash
        surprise = SessionError("protocol", f"{type(exc).__name__}: {exc}")
        return SessionSection(ok=False, error=surprise.to_json()), None, surprise, _code(provider)


def _code(provider: Any) -> str | None:
    code = getattr(provider, "last_error_code", None) if provider is not None else None
    return code if isinstance(code, str) else None


def oauth_errors(events: Iterable[FlowEvent], provider_code: str | None) -> list[str]:
    """The OAuth error codes the token endpoint answered (refresh or token), oldest first."""
    codes = [
        e.data["error"]
        for e in events
        if e.step in ("refresh", "token") and isinstance(e.data.get("error"), str)
    ]
    if provider_code and provider_code not in codes:
        codes.append(provider_code)
    return codes
