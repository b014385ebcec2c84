"""Regenerate screenshots/*.svg from the embedded demo world (run from the repository root):

    .venv/bin/python scripts/screenshots.py

Each screen is driven with Textual's test pilot against real demo servers on 127.0.0.1 (the
authorization server approves at once), then saved as SVG. What varies from run to run is
frozen so that an unchanged app gives unchanged files: temp paths, ports, client ids, OAuth
state and PKCE values, durations, and the wall clock (the whole process, demo servers
included, runs on a clock that starts at 2026-01-01 00:00 UTC).
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "screenshots"
SIZE = (140, 40)
SMALL = (80, 24)
EPOCH = 1_767_225_600.0  # 2026-01-01 00:00:00 UTC

# (pattern, replacement) applied to every text the app shows.
FREEZE = [
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:PORT"),
    (re.compile(r"127\.0\.0\.1%3A\d+"), "127.0.0.1%3APORT"),
    (re.compile(r"demo_client_[0-9a-f]+"), "demo_client_5f3a9c1e"),
    (re.compile(r"(state=)[\w-]+"), r"\1Qm9uam91ciBtY3BkZWNr"),
    (re.compile(r"(code_challenge=)[\w-]+"), r"\1c2NyZWVuc2hvdCBjaGFsbGVuZ2U"),
    (re.compile(r"\b\d+ ms\b"), "4 ms"),
]


def _freeze_clock() -> None:
    """Wall-clock time stands still at EPOCH: a clock that moved with the run put a different
    second into every countdown and login time on each run. Timeouts use monotonic time,
    which is untouched, so nothing waits forever."""
    time.time = lambda: EPOCH  # type: ignore[assignment]
    os.environ["TZ"] = "UTC"
    time.tzset()


def _preserve_spaces(svg: Path) -> None:
    """Rich writes spaces as &#160; at the start of a styled run; without xml:space some
    renderers (librsvg) drop them, gluing a bold label to the next word.

    Rich also names the SVG's classes after a hash of the segments, and a hyperlink (the login
    URL is an OSC 8 link) carries a random link id: the name is replaced by one made from the
    picture itself, so the same picture gives the same bytes."""
    text = svg.read_text()
    if 'xml:space="preserve"' not in text:
        text = text.replace("<svg ", '<svg xml:space="preserve" ', 1)
    anonymous = re.sub(r"terminal-\d+", "terminal-ID", text)
    stable = f"terminal-{zlib.adler32(anonymous.encode())}"
    svg.write_text(anonymous.replace("terminal-ID", stable))


async def _follow(url: str) -> None:
    import httpx2

    async with httpx2.AsyncClient(follow_redirects=True, trust_env=False, timeout=10) as client:
        await client.get(url)


async def _settle(pilot, app) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        await asyncio.gather(*(w.wait() for w in list(app.workers)), return_exceptions=True)
        await pilot.pause()


async def _shoot(world) -> list[str]:  # type: ignore[no-untyped-def]
    from mcpdeck.tui.app import make_app
    from mcpdeck.tui.screens.diagnose import TABS
    from mcpdeck.tui.services import Services
    from mcpdeck.tui.widgets.server_table import ServerTable

    def scrub(text: str) -> str:
        text = text.replace(str(world.root), "/tmp/mcpdeck-demo")
        for pattern, replacement in FREEZE:
            text = pattern.sub(replacement, text)
        return text

    release = asyncio.Event()

    async def slow_browser(url: str) -> None:
        await release.wait()  # hold the login at "waiting for the browser" for one picture
        await _follow(url)

    class InProcessServices(Services):
        """The TUI probes in a child process, whose clock this script cannot stop: here they
        run in this process (on a thread, as the TUI once did), so they read the frozen clock."""

        async def probe(self, loaded, on_result, *, names=None):  # type: ignore[no-untyped-def]
            from mcpdeck.status import DEFAULT_CONCURRENCY
            from mcpdeck.status_probe import compute_statuses
            from mcpdeck.tui.services import _probe_view

            credentials = self._credentials(loaded)

            async def run() -> None:
                await compute_statuses(
                    loaded,
                    credentials,
                    names=names,
                    timeout=self.probe_timeout,
                    concurrency=DEFAULT_CONCURRENCY,
                    environ=self.env,
                    on_result=lambda status: on_result(_probe_view(status, loaded)),
                )

            await asyncio.to_thread(asyncio.run, run())

    env = {**os.environ, **world.env}
    services = InProcessServices(
        world.codex_home, world.project_dir, env=env, open_browser=False, browser=slow_browser
    )
    app = make_app(services, scrub=scrub, cursor_blink=False, subtitle="demo")
    written: list[str] = []

    def save(name: str) -> None:
        app.save_screenshot(filename=f"{name}.svg", path=str(OUT))
        _preserve_spaces(OUT / f"{name}.svg")
        written.append(f"{name}.svg")

    async with app.run_test(size=SIZE) as pilot:
        await _settle(pilot, app)
        save("main")
        await pilot.resize_terminal(*SMALL)  # an ssh session's default terminal
        await _settle(pilot, app)
        save("main-80x24")
        await pilot.resize_terminal(*SIZE)
        await _settle(pilot, app)
        app.screen.query_one(ServerTable).move_to("linear")
        await pilot.press("l")
        for _ in range(100):
            await pilot.pause(0.05)
            if "waiting" in [e.step for e in app.screen.query_one("#timeline").entries]:  # type: ignore[attr-defined]
                break
        save("login-in-progress")
        await pilot.resize_terminal(*SMALL)  # the same login on a headless 80x24 box
        await pilot.pause()
        save("login-80x24")
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        release.set()
        await _settle(pilot, app)
        await _settle(pilot, app)
        save("main-logged-in")
        app.screen.query_one(ServerTable).move_to("broken")
        await pilot.press("l")
        await _settle(pilot, app)
        await _settle(pilot, app)
        await pilot.press("v")
        await _settle(pilot, app)
        for i, (key, _) in enumerate(TABS, start=1):
            if key in ("auth", "log"):
                # These list HTTP exchanges that run side by side (metadata requests, probe,
                # session, inventory) in the order they happened, which differs from run to
                # run: no fixed picture.
                continue
            await pilot.press(str(i))
            await pilot.wait_for_scheduled_animations()  # the tab underline slides
            await pilot.pause()
            save(f"diagnose-{key}")
        await pilot.press("escape")
        app.screen.query_one(ServerTable).move_to("linear")
        await pilot.press("v")
        await _settle(pilot, app)
        await pilot.press("3")
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        save("diagnose-linear-tools")
    return written


def main() -> int:
    _freeze_clock()  # before anything captures time.time
    sys.path.insert(0, str(ROOT / "app"))
    from mcpdeck.demo.world import run_demo_in_thread

    OUT.mkdir(exist_ok=True)
    with run_demo_in_thread(auto_approve=True) as world:
        written = asyncio.run(_shoot(world))
    for name in written:
        print(OUT / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
