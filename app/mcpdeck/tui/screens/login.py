"""`l`: the OAuth login of one server, its FlowTrace shown live as a timeline."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from mcpdeck.tui.errors import one_line
from mcpdeck.tui.format import long_time_left
from mcpdeck.tui.messages import FlowEventArrived
from mcpdeck.tui.model import LoginOutcome
from mcpdeck.tui.widgets.timeline import Timeline, TimelineEntry

if TYPE_CHECKING:
    from mcpdeck.config.model import LoadedConfig
    from mcpdeck.oauth.trace import FlowEvent
    from mcpdeck.tui.app import McpdeckApp

DEFAULT_LOGIN_TIMEOUT_SEC = 300.0
URL_KEYS = ("authorization_url", "url", "authorize_url")
TIMEOUT_KEYS = ("timeout", "timeout_s", "timeout_sec")


class LoginScreen(ModalScreen[str]):
    """Dismisses with "ok", "cancelled", or the error line."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel / close", id="login.cancel"),
        Binding("c", "copy_url", "Copy URL", id="login.copy"),
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
            yield Timeline(self.app.scrub, id="timeline")
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
            yield Static(
                "[b]c[/b] copy URL    [b]p[/b] paste redirected URL    [b]Escape[/b] cancel",
                id="login-keys",
                classes="dialog-keys",
            )

    def on_mount(self) -> None:
        self.query_one("#login-url").display = False
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
        data: dict[str, Any] = event.data or {}
        summary = event.summary
        if event.step == "authorize" and any(isinstance(data.get(k), str) for k in URL_KEYS):
            summary = "authorization URL ready (shown below)"
        # The CLI prints the URL before this line; here it is below the timeline.
        summary = summary.replace("the URL above", "the URL below")
        self.query_one(Timeline).add(
            TimelineEntry(event.step, event.status, summary, event.elapsed_ms)
        )
        if event.step in ("authorize", "browser", "waiting"):
            url = next((data[k] for k in URL_KEYS if isinstance(data.get(k), str)), None)
            if url:
                self.url = url
                box = self.query_one("#login-url", Static)
                box.update(
                    self.app.markup(
                        "[b]Open this URL if no browser appeared:[/b]\n[$accent]$url[/]", url=url
                    )
                )
                box.display = True
                self.query_one("#login-paste").display = True
        if event.step == "waiting" and event.status == "start":
            timeout = next(
                (float(data[k]) for k in TIMEOUT_KEYS if isinstance(data.get(k), int | float)),
                DEFAULT_LOGIN_TIMEOUT_SEC,
            )
            self.deadline = self.app.clock() + timeout
        if event.step in ("callback", "token", "stored", "error", "done") or event.status == "fail":
            self.deadline = None
        self._tick()

    def _tick(self) -> None:
        box = self.query_one("#login-countdown", Static)
        if self.deadline is None or self.result is not None:
            box.update("")
            return
        left = self.deadline - self.app.clock()
        box.update(f"Waiting for the browser: gives up in [b]{long_time_left(left)}[/b]")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._worker:
            return
        result = self.query_one("#login-result", Static)
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
        self.app.notify("Authorization URL copied to the clipboard.")

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
