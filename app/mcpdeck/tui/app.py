"""The mcpdeck Textual application and its factory."""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding
from textual.content import Content
from textual.worker import Worker, WorkerState

from mcpdeck import __version__
from mcpdeck.tui.commands import DeckCommands
from mcpdeck.tui.errors import one_line
from mcpdeck.tui.safe_text import markup, outside
from mcpdeck.tui.services import Services

Clock = Callable[[], float]
Scrub = Callable[[str], str]


def styles_dir() -> Path:
    """The .tcss files: shipped in the wheel as mcpdeck/styles, else the checkout's styles/."""
    here = Path(__file__).resolve().parent
    packaged = here.parent / "styles"
    if (packaged / "mcpdeck.tcss").is_file():
        return packaged
    return here.parents[2] / "styles"


def home_scrub(text: str) -> str:
    """Paths under the user's home directory shown as ~/…."""
    home = str(Path.home())
    if home and home != "/":
        text = re.sub(re.escape(home) + r"(?=/|$)", "~", text)
    return text


class McpdeckApp(App[int]):
    TITLE = "mcpdeck"
    CSS_PATH: ClassVar[Any] = [str(styles_dir() / "mcpdeck.tcss")]
    COMMANDS: ClassVar[Any] = App.COMMANDS | {DeckCommands}
    BINDINGS: ClassVar[Any] = [
        Binding("ctrl+q", "quit", "Quit", priority=True, show=False, id="app.quit"),
    ]

    def __init__(
        self,
        services: Services,
        *,
        clock: Clock = time.time,
        scrub: Scrub = home_scrub,
        cursor_blink: bool = True,
        subtitle: str | None = None,
    ) -> None:
        super().__init__()
        self.services = services
        self.clock = clock
        self.scrub = scrub
        self.cursor_blink = cursor_blink
        self.sub_title = subtitle if subtitle is not None else f"v{__version__}"

    def outside(self, text: object) -> str:
        """Text that did not come from mcpdeck, as plain text for a widget (never markup)."""
        return outside(text, self.scrub)

    def markup(self, template: str, /, **values: object) -> Content:
        """mcpdeck's markup ``template`` with outside text in its ``$variables``, unparsed."""
        return markup(template, self.scrub, **values)

    def on_mount(self) -> None:
        from mcpdeck.tui.screens.main import MainScreen

        self.push_screen(MainScreen())
        # Everything imported and built so far lives as long as the app: keep it out of the
        # cyclic collector, whose full passes would otherwise pause the UI for ~100 ms.
        self.call_after_refresh(gc.freeze)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.report_failure(event)

    def report_failure(self, event: Worker.StateChanged) -> None:
        """Every failed worker ends here once (screens forward theirs): a one-line toast."""
        if event.state != WorkerState.ERROR or event.worker.error is None:
            return
        self.notify(
            self.outside(one_line(event.worker.error)),
            markup=False,
            title="Something went wrong",
            severity="error",
            timeout=8,
        )


def make_app(
    services: Services,
    *,
    clock: Clock = time.time,
    scrub: Scrub = home_scrub,
    cursor_blink: bool = True,
    subtitle: str | None = None,
) -> McpdeckApp:
    """Build the app from its inputs; tests pass their own clock, scrubber and services."""
    return McpdeckApp(
        services, clock=clock, scrub=scrub, cursor_blink=cursor_blink, subtitle=subtitle
    )


def run_tui(
    codex_home: Path,
    cwd: Path,
    *,
    env: dict[str, str] | None = None,
    demo: object | None = None,
    profile: str | None = None,
    overrides: list[tuple[str, Any]] | None = None,
) -> int:
    """Run the full-screen manager until the user quits; returns the exit status."""
    services = Services(codex_home, cwd, env=env, profile=profile, overrides=overrides)
    # Which configuration the user is looking at matters more than the version (`--version`).
    subtitle = "demo" if demo is not None else home_scrub(str(codex_home))
    if profile:
        subtitle += f" · profile {profile}"
    app = make_app(services, subtitle=subtitle)
    result = app.run()
    # An unhandled exception ends the app with return code 1 after Textual has restored the
    # terminal and printed the traceback: the process must say it failed, not exit 0.
    if app.return_code:
        return app.return_code
    return result if isinstance(result, int) else 0
