"""Regenerate screenshots/*.svg from the embedded demo world (run from the repository root):

    .venv/bin/python scripts/screenshots.py

Each screen is driven with Textual's test pilot against real demo servers on 127.0.0.1 (the
authorization server approves at once), then saved as SVG. Temp paths and ports are replaced
so the images do not change from run to run more than the demo's data does.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "screenshots"
SIZE = (140, 40)


async def _follow(url: str) -> None:
    import httpx

    async with httpx.AsyncClient(follow_redirects=True, trust_env=False, timeout=10) as client:
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
        return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)

    release = asyncio.Event()

    async def slow_browser(url: str) -> None:
        await release.wait()  # hold the login at "waiting for the browser" for one picture
        await _follow(url)

    env = {**os.environ, **world.env}
    services = Services(
        world.codex_home, world.project_dir, env=env, open_browser=False, browser=slow_browser
    )
    app = make_app(services, scrub=scrub, cursor_blink=False, subtitle="demo")
    written: list[str] = []

    def save(name: str) -> None:
        app.save_screenshot(filename=f"{name}.svg", path=str(OUT))
        written.append(f"{name}.svg")

    async with app.run_test(size=SIZE) as pilot:
        await _settle(pilot, app)
        save("main")
        app.screen.query_one(ServerTable).move_to("linear")
        await pilot.press("l")
        for _ in range(100):
            await pilot.pause(0.05)
            if "waiting" in [e.step for e in app.screen.query_one("#timeline").entries]:  # type: ignore[attr-defined]
                break
        save("login-in-progress")
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
            await pilot.press(str(i))
            await pilot.pause()
            save(f"diagnose-{key}")
        await pilot.press("escape")
        app.screen.query_one(ServerTable).move_to("linear")
        await pilot.press("v")
        await _settle(pilot, app)
        await pilot.press("3")
        await pilot.pause()
        save("diagnose-linear-tools")
    return written


def main() -> int:
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
