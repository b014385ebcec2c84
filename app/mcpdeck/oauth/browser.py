"""Opening the authorization URL: Python's ``webbrowser`` (so ``BROWSER`` picks the browser).

The URL is always emitted as a trace event too, so the user can open it by hand. A ``BROWSER``
command is run here as ``webbrowser`` would run it, so that one exiting non-zero is reported
as such instead of as "no browser found".
"""

from __future__ import annotations

import asyncio
import os
import shlex
import subprocess

from mcpdeck.oauth.trace import FlowTrace


def _run_browser_env(url: str) -> tuple[bool, str | None]:
    """Try each ``BROWSER`` command (os.pathsep-separated, ``%s`` for the URL, as webbrowser
    does). (True, None) when one succeeded, else (False, why the last one failed)."""
    why: str | None = None
    for command in filter(None, os.environ.get("BROWSER", "").split(os.pathsep)):
        argv = shlex.split(command)
        if not argv:
            continue
        argv = [a.replace("%s", url) for a in argv] if "%s" in command else [*argv, url]
        try:
            code = subprocess.call(argv, stdin=subprocess.DEVNULL)
        except OSError as exc:
            why = f"the BROWSER command {argv[0]!r} could not run ({exc.strerror or exc})"
            continue
        if code == 0:
            return True, None
        why = f"the BROWSER command {argv[0]!r} exited with status {code}"
    return False, why


async def open_in_browser(url: str, trace: FlowTrace | None) -> bool:
    """Open ``url`` without blocking the loop (a BROWSER command may run until it exits)."""
    if trace is not None:
        trace.emit("browser", "start", "opening the URL in your browser")
    reason = "no browser found"
    if os.environ.get("BROWSER"):
        opened, why = await asyncio.to_thread(_run_browser_env, url)
        reason = why or reason
    else:
        # Imported here: a BROWSER command (above) does without it, and it costs ~2 ms.
        import webbrowser

        try:
            opened = await asyncio.to_thread(webbrowser.open, url)
        except webbrowser.Error as exc:
            opened = False
            reason = str(exc)
    if trace is not None:
        if opened:
            trace.emit("browser", "ok", "browser opened; finish the login there")
        else:
            trace.emit(
                "browser",
                "fail" if reason != "no browser found" else "info",
                f"could not open a browser ({reason}); open the URL above by hand",
            )
    return bool(opened)
