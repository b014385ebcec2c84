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
from mcpdeck.tui.history import CallHistory
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
        # `?` reaches here from every screen unless a text field takes it; F1 works even then.
        Binding("question_mark", "help", "Help", show=False, id="app.help"),
        Binding("f1", "help", "Help", priority=True, show=False, id="app.help_f1"),
    ]

    def __init__(
        self,
        services: Services,
        *,
        clock: Clock = time.time,
        scrub: Scrub = home_scrub,
        cursor_blink: bool = True,
        subtitle: str | None = None,
        after_first_paint: Callable[[], object] | None = None,
    ) -> None:
        super().__init__()
        self._after_first_paint = after_first_paint
        self.services = services
        self.clock = clock
        self.scrub = scrub
        self.cursor_blink = cursor_blink
        self.sub_title = subtitle if subtitle is not None else f"v{__version__}"
        self.user_keymap: dict[str, str] = {}
        # Tool calls, resource reads and prompts of this session, per server (redacted).
        self.history = CallHistory()

    def outside(self, text: object) -> str:
        """Text that did not come from mcpdeck, as plain text for a widget (never markup)."""
        return outside(text, self.scrub)

    def markup(self, template: str, /, **values: object) -> Content:
        """mcpdeck's markup ``template`` with outside text in its ``$variables``, unparsed."""
        return markup(template, self.scrub, **values)

    def on_mount(self) -> None:
        from mcpdeck.tui.screens.main import MainScreen

        self._apply_settings()
        self.push_screen(MainScreen())
        if self._after_first_paint is not None:
            self.call_after_refresh(self._after_first_paint)

    def _apply_settings(self) -> None:
        """The user's keymap from mcpdeck's settings file; each problem is one toast."""
        from mcpdeck.tui.keys import LazyBindingIds

        settings = self.services.ui_settings(LazyBindingIds())
        self.user_keymap = settings.keymap  # help lists what the user changed
        if settings.keymap:
            self.set_keymap(settings.keymap)
        for problem in settings.problems:
            self.notify(
                self.outside(problem),
                markup=False,
                title="Settings",
                severity="warning",
                timeout=10,
            )

    def action_help(self) -> None:
        from mcpdeck.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
        else:
            self.push_screen(HelpScreen())

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
    after_first_paint: Callable[[], object] | None = None,
) -> McpdeckApp:
    """Build the app from its inputs; tests pass their own clock, scrubber and services.

    ``after_first_paint`` runs once, after the first screen update (the process-wide set-up
    of :func:`run_tui`; never in tests).
    """
    return McpdeckApp(
        services,
        clock=clock,
        scrub=scrub,
        cursor_blink=cursor_blink,
        subtitle=subtitle,
        after_first_paint=after_first_paint,
    )


def make_process_app(services: Services, *, subtitle: str | None = None) -> McpdeckApp:
    """The app as ``mcpdeck tui`` runs it: :func:`make_app` plus the process-wide set-up.

    Everything imported and built up to the first frame lives as long as the process: frozen,
    it is out of the cyclic collector, whose full passes took 40-70 ms with 1000 servers (20-32
    ms frozen; gc callbacks around benchmarks/tui_probe.py, 2 runs each), and out of the
    interpreter's final collections at exit (1000 servers: 85k tracked objects at quit unfrozen,
    300-650 ms from the quit to the process gone, 110-180 ms frozen). Not in the App: a
    process-wide side effect has no place in every test's run_test. benchmarks/tui_probe.py
    builds its app here, so that it measures the process users run.
    """
    return make_app(services, subtitle=subtitle, after_first_paint=gc.freeze)


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
    app = make_process_app(services, subtitle=subtitle)
    result = app.run()
    # An unhandled exception ends the app with return code 1 after Textual has restored the
    # terminal and printed the traceback: the process must say it failed, not exit 0.
    if app.return_code:
        return app.return_code
    return result if isinstance(result, int) else 0
