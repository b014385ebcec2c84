"""Enter on a tool, resource, template or prompt: its form, the call in a worker (spinner,
elapsed time, progress, Escape cancels), the result by content type, and the step-up login
when the server answers 403 ``insufficient_scope`` (then the call is retried once)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Static
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from mcpdeck.session.results import CallResult, Progress
from mcpdeck.session.schema_form import build_form, validate_arguments
from mcpdeck.tui.errors import one_line
from mcpdeck.tui.history import CallRequest
from mcpdeck.tui.uri_template import expand_template, template_schema
from mcpdeck.tui.widgets.result_view import ResultView
from mcpdeck.tui.widgets.tool_form import ToolForm

if TYPE_CHECKING:
    from mcpdeck.config.model import LoadedConfig
    from mcpdeck.tui.app import McpdeckApp

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_VERBS = {"tool": "Call", "resource": "Read", "prompt": "Get"}


class CallProgress(Message):
    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress


class CallScreen(Screen[None]):
    """One tool (or resource, template, prompt) of one server."""

    DEFAULT_CSS: ClassVar[str] = """
    CallScreen #call-title { padding: 0 1; height: auto; }
    CallScreen #call-body { height: 1fr; }
    CallScreen #call-left { width: 1fr; height: 1fr; border: round $primary; }
    CallScreen #call-right { width: 1fr; height: 1fr; border: round $secondary; }
    CallScreen #call-button { margin: 0 1; }
    CallScreen #call-status { padding: 0 1; height: auto; }
    CallScreen #call-status.-running { color: $accent; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "call", "Call", id="call.run", priority=True),
        Binding("ctrl+enter", "call", "Call", show=False, priority=True),
        Binding("escape", "cancel_or_back", "Cancel / back", id="call.back"),
        Binding("f2", "toggle_raw", "Edit as JSON", id="call.json", priority=True),
        Binding("f3", "toggle_exchange", "Raw exchange", id="call.raw", priority=True),
        Binding("f4", "save", "Save binary", id="call.save", priority=True),
        Binding("f6", "history", "History", id="call.history", priority=True),
    ]

    app: McpdeckApp

    def __init__(
        self,
        loaded: LoadedConfig,
        request: CallRequest,
        *,
        schema: dict[str, Any] | None = None,
        description: str = "",
        template: str | None = None,
        run_now: bool = False,
    ) -> None:
        super().__init__(id="call")
        self.loaded = loaded
        self.request = request
        self.template = template
        self.description = description
        self.schema = template_schema(template) if template else (schema or {})
        self.model = build_form(self.schema)
        self.run_now = run_now
        self.worker: Worker[CallResult] | None = None
        self.started: float | None = None
        self.last_progress: Progress | None = None
        self.result: CallResult | None = None
        self._retry_after_step_up = False

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        r = self.request
        what = {"tool": "tool", "resource": "resource", "prompt": "prompt"}[r.kind]
        name = r.title or r.target
        template = f"[b]$server[/b] › {what} [b]$name[/b]"
        if self.description:
            template += "\n[dim]$description[/]"
        head = self.app.markup(template, server=r.server, name=name, description=self.description)
        yield Header(icon="☰")
        yield Static(head, id="call-title")
        with Horizontal(id="call-body"):
            with Vertical(id="call-left"):
                yield ToolForm(self.model, initial=dict(r.arguments), id="call-form")
                yield Button(f"{_VERBS[r.kind]} (F5)", id="call-button", variant="primary")
            with Vertical(id="call-right"):
                yield Static("", id="call-status")
                yield ResultView(self.app.scrub, id="call-result")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "mcpdeck"
        self.sub_title = f"{_VERBS[self.request.kind].lower()} on {self.request.server}"
        self.query_one("#call-left").border_title = "Arguments"
        self.query_one("#call-right").border_title = "Result"
        self.query_one(ResultView).show(None)
        self.query_one(ToolForm).focus_first()
        self.set_interval(0.1, self._tick)
        if self.run_now:
            self.action_call()

    # -- calling ---------------------------------------------------------------------------

    def _arguments(self) -> dict[str, Any] | None:
        form = self.query_one(ToolForm)
        args, errors = form.arguments()
        if not errors and args is not None and not self.model.schema_problem:
            errors = validate_arguments(self.schema, args)
        form.show_errors(errors)
        if errors:
            top = errors.get("")
            words = top or f"{len(errors)} field(s) to fix"
            self._status(self.app.markup("[$error]✗ Not sent: $words[/]", words=words))
            return None
        return dict(args or {})

    def action_call(self) -> None:
        if self.worker is not None and self.worker.is_running:
            return
        args = self._arguments()
        if args is None:
            return
        target = self.request.target
        if self.template:
            target = expand_template(self.template, args)
            args = {}
        self.request = CallRequest(
            self.request.server, self.request.kind, target, args, self.request.title
        )
        self._start()

    def _start(self) -> None:
        self.started = time.monotonic()
        self.last_progress = None
        self.query_one("#call-status").add_class("-running")
        self.worker = self._run(self.request)
        self._tick()

    @work(exclusive=True, group="call", exit_on_error=False)
    async def _run(self, request: CallRequest) -> CallResult:
        def on_progress(progress: Progress) -> None:
            self.post_message(CallProgress(progress))

        return await self.app.services.call(self.loaded, request, on_progress)

    def on_call_progress(self, message: CallProgress) -> None:
        self.last_progress = message.progress
        self._tick()

    def _tick(self) -> None:
        if self.started is None or self.worker is None or not self.worker.is_running:
            return
        elapsed = time.monotonic() - self.started
        spin = SPINNER[int(elapsed * 10) % len(SPINNER)]
        text = f"{spin} {_VERBS[self.request.kind].lower()}ing… {elapsed:.1f} s"
        if self.last_progress is not None:
            text += "   progress $progress"
        words = self.last_progress.words() if self.last_progress else ""
        self._status(self.app.markup(text + "   [dim](Escape cancels)[/]", progress=words))

    def _status(self, text: str | Content) -> None:
        self.query_one("#call-status", Static).update(text)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self.worker:
            return
        status = self.query_one("#call-status")
        if event.state == WorkerState.SUCCESS and isinstance(event.worker.result, CallResult):
            status.remove_class("-running")
            result = event.worker.result
            result.stepped_up = self._retry_after_step_up
            self._finished(result)
        elif event.state == WorkerState.ERROR:
            status.remove_class("-running")
            error = one_line(event.worker.error) if event.worker.error else "failed"
            failed = CallResult(
                self.request.kind, self.request.server, self.request.target, self.request.arguments
            )
            failed.outcome, failed.error = "failed", error
            self._finished(failed)
        elif event.state == WorkerState.CANCELLED:
            status.remove_class("-running")
            cancelled = CallResult(
                self.request.kind, self.request.server, self.request.target, self.request.arguments
            )
            cancelled.outcome = "cancelled"
            cancelled.error = "cancelled: the server was told to stop (notifications/cancelled)"
            if self.started is not None:
                cancelled.elapsed_ms = (time.monotonic() - self.started) * 1000
            self._finished(cancelled)

    def _finished(self, result: CallResult) -> None:
        self.result = result
        self.app.history.add(self.request, result)
        hints = {
            "ok": "[dim]F3 raw exchange · F6 history · F5 call again[/]",
            "tool_error": "[dim]F3 raw exchange · F6 history[/]",
            "auth_required": "[$warning]Log in first: Escape, then l.[/]",
            "cancelled": "[$warning]Cancelled; the server was told to stop.[/]",
        }
        self._status(hints.get(result.outcome, "[dim]F3 raw exchange · F6 history[/]"))
        self.query_one(ResultView).show(result, raw=False)
        if result.outcome == "step_up" and result.step_up is not None:
            if self._retry_after_step_up:
                self._status(
                    "[$error]✗ still refused after the step-up login; the scopes were not granted[/]"
                )
                self._retry_after_step_up = False
                return
            self._offer_step_up(result)
        else:
            self._retry_after_step_up = False

    # -- step-up ---------------------------------------------------------------------------

    def _offer_step_up(self, result: CallResult) -> None:
        from mcpdeck.tui.screens.confirm import ConfirmScreen

        step = result.step_up
        assert step is not None
        body = self.app.markup(
            "[b]$server[/b] refused this call: 403 insufficient_scope.\n\n"
            "Scopes held:      $held\n"
            "Scopes required:  $required\n\n"
            "Log in again asking for [b]$union[/b],\n"
            "then retry the call once?",
            server=self.request.server,
            held=" ".join(step.held) or "none",
            required=" ".join(step.required) or "unspecified",
            union=" ".join(step.union),
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._step_up(result)

        self.app.push_screen(ConfirmScreen("Step up the authorization?", body), answered)

    def _step_up(self, result: CallResult) -> None:
        from mcpdeck.tui.screens.step_up import StepUpLoginScreen

        assert result.step_up is not None

        def done(outcome: str | None) -> None:
            if outcome == "ok":
                self._retry_after_step_up = True
                self._start()
            else:
                self._status("[$warning]Step-up not completed; the call was not retried.[/]")

        self.app.push_screen(
            StepUpLoginScreen(self.request.server, self.loaded, result.step_up), done
        )

    # -- keys ------------------------------------------------------------------------------

    @on(Button.Pressed, "#call-button")
    def _pressed(self) -> None:
        self.action_call()

    async def action_cancel_or_back(self) -> None:
        worker = self.worker
        if worker is not None and worker.is_running:
            worker.cancel()
            with contextlib.suppress(WorkerCancelled, WorkerFailed, asyncio.CancelledError):
                await worker.wait()
            return
        self.dismiss(None)

    def action_toggle_raw(self) -> None:
        self.query_one(ToolForm).toggle_raw()

    def action_toggle_exchange(self) -> None:
        view = self.query_one(ResultView)
        if view.result is None:
            self.app.notify("No call yet: nothing to show.", severity="warning")
            return
        view.show(view.result, raw=not view.raw)

    def action_save(self) -> None:
        if self.result is None or not any(i.data for i in self.result.items):
            self.app.notify("This result has no image, audio or blob to save.", severity="warning")
            return
        self._save(self.result)

    @work(group="save", exit_on_error=False)
    async def _save(self, result: CallResult) -> None:
        paths = await self.app.services.save_items(result)
        shown = ", ".join(str(p) for p in paths)
        self.app.notify(self.app.outside(f"Saved {shown}"), markup=False)

    def action_history(self) -> None:
        from mcpdeck.tui.screens.history import HistoryScreen

        def chosen(request: CallRequest | None) -> None:
            if request is None:
                return
            if not self.template:
                # The form shows what is run again (redacted values stay as they were recorded).
                self.query_one(ToolForm).remove()
                self.query_one("#call-left").mount(
                    ToolForm(self.model, initial=dict(request.arguments), id="call-form"),
                    before=0,
                )
            self.request = request
            self._start()

        r = self.request
        self.app.push_screen(
            HistoryScreen(r.server, self.app.history, only=(r.kind, r.title or r.target)), chosen
        )
