"""Opening the authorization URL: Python's ``webbrowser`` (so ``BROWSER`` picks the browser).

The URL is always emitted as a trace event too, so the user can open it by hand.
"""

from __future__ import annotations

import asyncio
import webbrowser

from mcpdeck.oauth.trace import FlowTrace


async def open_in_browser(url: str, trace: FlowTrace | None) -> bool:
    """Open ``url`` without blocking the loop (a BROWSER command may run until it exits)."""
    if trace is not None:
        trace.emit("browser", "start", "opening the URL in your browser")
    try:
        opened = await asyncio.to_thread(webbrowser.open, url)
    except webbrowser.Error as exc:
        opened = False
        reason = str(exc)
    else:
        reason = "no browser found"
    if trace is not None:
        if opened:
            trace.emit("browser", "ok", "browser opened; finish the login there")
        else:
            trace.emit(
                "browser",
                "info",
                f"could not open a browser ({reason}); open the URL above by hand",
            )
    return bool(opened)
