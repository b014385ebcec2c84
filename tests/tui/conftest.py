"""Shared pieces of the TUI tests: real config files in temp dirs, a frozen clock, a scrubber."""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mcpdeck.tui.app import McpdeckApp, make_app
from mcpdeck.tui.services import Services

FROZEN_NOW = 1_767_225_600.0  # 2026-01-01 00:00:00 UTC


class FrozenClock:
    def __init__(self, now: float = FROZEN_NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class World:
    root: Path
    home: Path
    project: Path

    @property
    def user_file(self) -> Path:
        return self.home / "config.toml"

    @property
    def project_file(self) -> Path:
        return self.project / ".codex" / "config.toml"

    def write_user(self, text: str) -> None:
        self.user_file.write_text(text)

    def write_project(self, text: str, *, trusted: bool = True) -> None:
        self.project_file.parent.mkdir(parents=True, exist_ok=True)
        self.project_file.write_text(text)
        if trusted:
            with self.user_file.open("a") as f:
                f.write(f'\n[projects."{self.project}"]\ntrust_level = "trusted"\n')

    def scrub(self, text: str) -> str:
        """Temp paths and ephemeral ports replaced, so snapshots do not vary between runs."""
        text = text.replace(str(self.root), "/w")
        return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)


@pytest.fixture
def world(tmp_path: Path) -> World:
    root = tmp_path.resolve()
    home = root / "home"
    project = root / "project"
    home.mkdir()
    (project / ".git").mkdir(parents=True)
    w = World(root, home, project)
    w.write_user("")
    return w


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Expiry times are shown in local time: pin the zone so snapshots agree everywhere."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def build(
    world: World,
    services: Services | None = None,
    *,
    clock: Callable[[], float] | None = None,
    env: dict[str, str] | None = None,
) -> McpdeckApp:
    services = services or Services(
        world.home, world.project, env=env if env is not None else dict(os.environ)
    )
    return make_app(
        services,
        clock=clock or FrozenClock(),
        scrub=world.scrub,
        cursor_blink=False,
        subtitle="test",
    )


async def settle(pilot, app: McpdeckApp) -> None:  # type: ignore[no-untyped-def]
    """Wait for every worker (probes, loads) and the messages they posted."""
    for _ in range(3):
        workers = list(app.workers)
        # A failed worker is part of some tests; its error is shown by the app, not raised here.
        await asyncio.gather(*(w.wait() for w in workers), return_exceptions=True)
        await pilot.pause()


async def follow_redirects(url: str) -> None:
    """A 'browser' for the auto-approving demo authorization server: follow to the callback."""
    import httpx2

    async with httpx2.AsyncClient(follow_redirects=True, trust_env=False, timeout=10) as client:
        await client.get(url)


def demo_services(world, **kwargs):  # type: ignore[no-untyped-def]
    env = {**os.environ, **world.env}
    return Services(
        world.codex_home,
        world.project_dir,
        env=env,
        open_browser=False,
        browser=follow_redirects,
        **kwargs,
    )


def demo_scrub(world):  # type: ignore[no-untyped-def]
    def scrub(text: str) -> str:
        text = text.replace(str(world.root), "/demo")
        return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)

    return scrub
