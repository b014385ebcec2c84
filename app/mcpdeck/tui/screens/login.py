"""`l`: the OAuth login of one server, its FlowTrace shown live as a timeline."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from mcpdeck.oauth.trace import AuthorizationUrl, WaitingForCallback
from mcpdeck.tui.errors import one_line
from mcpdeck.tui.format import long_time_left
from mcpdeck.tui.messages import FlowEventArrived
from mcpdeck.tui.model import LoginOutcome
from mcpdeck.tui.widgets.timeline import Timeline, TimelineEntry

if TYPE_CHECKING:
    from mcpdeck.config.model import LoadedConfig
    from mcpdeck.oauth.trace import FlowEvent
    from mcpdeck.tui.app import McpdeckApp

NARROW_DIALOG = 100  # below this the dialog takes the whole screen: room for the URL
KEYS_WAITING = (
    "[b]u[/b] URL alone in the terminal  [b]c[/b] copy  [b]p[/b] paste the redirect  "
    "[b]Escape[/b] cancel"
)


class LoginScreen(ModalScreen[str]):
    """Dismisses with "ok", "cancelled", or the error line."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel / close", id="login.cancel"),
        Binding("c", "copy_url", "Copy URL", id="login.copy"),
        Binding("u", "show_url", "URL in terminal", id="login.show_url"),
        # A modal stops the app's own `?`; F1 (priority) works in text fields too.
        Binding("question_mark", "app.help", "Help", show=False),
        Binding("p", "paste_field", "Paste redirected URL", id="login.paste"),
        Binding("enter", "close", "Close", show=False),
    ]

    app: McpdeckApp

    def __init__(self, name: str, loaded: LoadedConfig) -> None:
        super().__init__()
        self.server_name = name
        self.loaded = loaded
        self.url: str | None = None
        self.deadline: float | None = None
        self.result: str | None = None  # set when the flow ended
        self._worker: Worker[LoginOutcome] | None = None
        # The redirected callback URL, pasted when the browser cannot reach this machine.
        self._pasted: asyncio.Queue[str] = asyncio.Queue()

    def compose(self) -> ComposeResult:
        with Vertical(id="login-box", classes="dialog"):
            yield Static(
                self.app.markup("Log in to [b]$name[/b]", name=self.server_name),
                classes="dialog-title",
            )
            yield Static(KEYS_WAITING, id="login-keys", classes="dialog-keys")
            # The URL first: on a small terminal it is what the user needs to see.
            yield Static("", id="login-url")
            paste = Input(
                placeholder="browser on another machine? paste the URL it was redirected to",
                password=True,
                id="login-paste",
            )
            paste.can_focus = False  # only on `p`: the dialog's own keys must keep working
            yield paste
            yield Static("", id="login-countdown")
            yield Static("", id="login-result")
            yield Timeline(self.app.scrub, id="timeline")

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW_DIALOG, "-narrow")

    def on_mount(self) -> None:
        self.query_one("#login-url").display = False
        self.query_one("#login-result").display = False
        self.query_one("#login-paste", Input).display = False
        self._worker = self.run_login()
        self.set_interval(1.0, self._tick)

    @work(exclusive=True, group="login", exit_on_error=False)
    async def run_login(self) -> LoginOutcome:
        def on_event(event: FlowEvent) -> None:
            self.post_message(FlowEventArrived(event))

        return await self.app.services.login(
            self.loaded, self.server_name, on_event, paste=self._read_paste
        )

    async def _read_paste(self, auth_url: str) -> str:
        del auth_url
        return await self._pasted.get()

    def on_input_submitted(self, message: Input.Submitted) -> None:
        if message.input.id == "login-paste" and message.value.strip():
            self._pasted.put_nowait(message.value)
            message.input.value = ""
            message.input.disabled = True

    def on_flow_event_arrived(self, message: FlowEventArrived) -> None:
        event: FlowEvent = message.event
        summary = event.summary
        if isinstance(event, AuthorizationUrl) and event.url:
            summary = "authorization URL ready (shown above)"
        # The CLI prints the URL before this line; here too it is above the timeline.
        self.query_one(Timeline).add(
            TimelineEntry(event.step, event.status, summary, event.elapsed_ms)
        )
        if isinstance(event, AuthorizationUrl) and event.url:
            self.url = event.url
            self.query_one("#login-url", Static).update(self._url_text(event.url))
            self.query_one("#login-url").display = True
            self.query_one("#login-paste").display = True
        if isinstance(event, WaitingForCallback):
            self.deadline = self.app.clock() + event.timeout
        if event.step in ("callback", "token", "stored", "error", "done") or event.status == "fail":
            self.deadline = None
        self._tick()

    def _url_text(self, url: str) -> Text:
        """The URL as plain text (never markup: a server chose it) and as an OSC 8 link."""
        text = Text()
        text.append("No browser here? Open this URL in a browser on any machine:\n", style="bold")
        shown = self.app.outside(url)
        # The link target is the real URL; only what is displayed goes through the scrubber.
        # A target with anything but printable ASCII could end the escape sequence: no link.
        linkable = url.isascii() and url.isprintable() and " " not in url
        text.append(shown, style=Style(link=url, underline=True) if linkable else None)
        text.append(
            "\nu shows it alone in the terminal (select it there), c copies it.", style="dim"
        )
        return text

    def _tick(self) -> None:
        box = self.query_one("#login-countdown", Static)
        if self.deadline is None or self.result is not None:
            box.update("")
            return
        left = self.deadline - self.app.clock()
        box.update(f"Waiting for the login in a browser: gives up in [b]{long_time_left(left)}[/b]")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._worker:
            return
        result = self.query_one("#login-result", Static)
        result.display = True
        keys = self.query_one("#login-keys", Static)
        if event.state == WorkerState.SUCCESS:
            outcome = event.worker.result
            self.result = "ok"
            where = f" in {outcome.store}" if outcome and outcome.store else ""
            result.update(
                self.app.markup(
                    "[$success][b]✓ Logged in.[/b][/] Credentials stored$where.", where=where
                )
            )
            self.app.notify(self.app.outside(f"Logged in to {self.server_name}."), markup=False)
            self.dismiss("ok")
        elif event.state == WorkerState.ERROR:
            error = event.worker.error
            self.result = one_line(error) if error else "login failed"
            result.update(
                self.app.markup(
                    "[$error][b]✗ Login failed:[/b][/] $why\n"
                    "Nothing was stored. Fix the cause above, then press [b]l[/b] to try again.",
                    why=self.result,
                )
            )
            keys.update("[b]Escape[/b] close")
            self.app.notify(
                self.app.outside(f"Login to {self.server_name} failed: {self.result}"),
                markup=False,
                severity="error",
            )
        elif event.state == WorkerState.CANCELLED:
            self.result = "cancelled"
        self._tick()

    def action_copy_url(self) -> None:
        if self.url is None:
            self.app.notify("No authorization URL yet.", severity="warning")
            return
        self.app.copy_to_clipboard(self.url)
        self.app.notify(copy_note(self.app.services.env), title="Copy URL", timeout=12)

    async def action_show_url(self) -> None:
        """The URL alone on the plain terminal, where it can be selected whole (no borders)."""
        if self.url is None:
            self.app.notify("No authorization URL yet.", severity="warning")
            return
        url = self.app.outside(self.url)
        name = self.app.outside(self.server_name)
        try:
            with self.app.suspend():
                print(
                    "\nOpen this URL in a browser (on any machine) to log in to "
                    f"{name}:\n\n{url}\n\nPress Enter to return to mcpdeck.",
                    flush=True,
                )
                await asyncio.to_thread(sys.stdin.readline)
        except SuspendNotSupported:
            self.app.notify(
                "This terminal cannot show it outside the app; press c to copy it.",
                severity="warning",
            )

    def action_paste_field(self) -> None:
        field = self.query_one("#login-paste", Input)
        if field.display and not field.disabled:
            field.can_focus = True
            field.focus()

    def action_close(self) -> None:
        if self.result is not None:
            self.dismiss(self.result)

    async def action_cancel(self) -> None:
        if self.result is not None:
            self.dismiss(self.result)
            return
        worker = self._worker
        if worker is not None and worker.is_running:
            worker.cancel()
            # Let the flow's own cleanup (closing the callback listener) run before we go.
            with contextlib.suppress(WorkerCancelled, WorkerFailed, asyncio.CancelledError):
                await worker.wait()
        self.result = "cancelled"
        self.app.notify(
            self.app.outside(f"Login to {self.server_name} cancelled; nothing was stored."),
            markup=False,
        )
        self.dismiss("cancelled")


def copy_note(env: Mapping[str, str]) -> str:
    """What `c` did, honestly: the app can only ask the terminal (OSC 52); it cannot tell."""
    note = (
        "Asked the terminal to copy the URL (OSC 52). mcpdeck cannot see whether it did: "
        "if pasting gives nothing, press u and select the URL instead."
    )
    if env.get("TMUX"):
        note += " In tmux, allow it with: tmux set -g set-clipboard on"
    return note
