"""The step-up login: the live login timeline, asking for the scopes held plus those the server
required (403 ``insufficient_scope``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.widgets import Static

from mcpdeck.tui.messages import FlowEventArrived
from mcpdeck.tui.model import LoginOutcome
from mcpdeck.tui.screens.login import LoginScreen

if TYPE_CHECKING:
    from mcpdeck.config.model import LoadedConfig
    from mcpdeck.oauth.trace import FlowEvent
    from mcpdeck.session.results import StepUp


class StepUpLoginScreen(LoginScreen):
    """Dismisses with "ok", "cancelled", or the error line, like the login it extends."""

    def __init__(self, name: str, loaded: LoadedConfig, step: StepUp) -> None:
        super().__init__(name, loaded)
        self.step = step

    def on_mount(self) -> None:
        super().on_mount()
        wanted = " ".join(self.step.union)
        self.query_one(".dialog-title", Static).update(
            self.app.markup(
                "Step up [b]$server[/b]: log in for [b]$wanted[/b]",
                server=self.server_name,
                wanted=wanted,
            )
        )

    @work(exclusive=True, group="login", exit_on_error=False)
    async def run_login(self) -> LoginOutcome:
        def on_event(event: FlowEvent) -> None:
            self.post_message(FlowEventArrived(event))

        return await self.app.services.step_up(self.loaded, self.server_name, self.step, on_event)
