"""The main screen's live statuses: probes streaming into the list, background token refresh.

Probe results are queued (:mod:`mcpdeck.tui.probe_queue`) and applied once per frame; when a
stored token nears its expiry, :mod:`mcpdeck.tui.refresh_policy` says so and a worker refreshes
it. Mixed into :class:`mcpdeck.tui.screens.main.MainScreen`, whose state it reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.worker import Worker, WorkerState

from mcpdeck.tui.errors import one_line
from mcpdeck.tui.format import STATUS_LOOK, plural, status_key
from mcpdeck.tui.messages import ProbesPending, RefreshDone
from mcpdeck.tui.screens.main_host import MainHost

if TYPE_CHECKING:
    from mcpdeck.tui.model import Probe, RefreshOutcome


class StatusUpdates(MainHost):
    # -- probes --------------------------------------------------------------------------

    @work(exclusive=True, group="probe-all", exit_on_error=False)
    async def probe_all(self) -> None:
        assert self.loaded is not None
        await self.app.services.probe(self.loaded, self.probe_arrived)

    @work(group="probe-one", exit_on_error=False)
    async def probe_one(self, name: str) -> None:
        assert self.loaded is not None
        await self.app.services.probe(self.loaded, self.probe_arrived, names=[name])

    def probe_arrived(self, probe: Probe) -> None:
        """The probe sink (called on the event loop): queue the result; one message per batch."""
        if self.probe_queue.add(probe):
            self.post_message(ProbesPending())

    def on_probes_pending(self, _: ProbesPending) -> None:
        # Applied once per frame: whatever arrived until the next screen update is one pass
        # over the table (a fixed 1/30 s timer measured a higher median key-to-render time).
        self.call_after_refresh(self._apply_queued)

    def _apply_queued(self) -> None:
        batch, more = self.probe_queue.take()
        if batch:
            self._apply_probes(batch)
        if more:
            self.call_after_refresh(self._apply_queued)

    def _apply_probes(self, probes: list[Probe]) -> None:
        now = self._now()
        selected = self.table.selected_name
        panel_changed = False
        for probe in probes:
            row = self.rows.get(probe.name)
            if row is None:
                continue
            row.probe = probe
            row.checking = False
            if probe.failed:
                self.last_errors[row.server.name] = probe.detail
            self.table.update_row(row, now)
            panel_changed = panel_changed or probe.name == selected
        if panel_changed:
            self._render_panel()

    def action_reprobe(self) -> None:
        server = self.selected
        if server is None or self.loaded is None:
            return
        self.refresh_policy.allow(server.name)
        self.app.notify(self.app.outside(f"Checking {server.name} again…"), markup=False, timeout=2)
        self.action_reprobe_named(server.name)

    def action_reprobe_all(self) -> None:
        if self.loaded is None or not self.rows:
            self.app.notify("No server to check.", severity="warning")
            return
        for name in self.rows:
            self.refresh_policy.allow(name)
        self._mark_checking(list(self.rows))
        self.app.notify(f"Checking {plural(len(self.rows), 'server')} again…", timeout=3)
        self._announce_probe_all = True
        self.probe_all()

    def action_reprobe_named(self, name: str) -> None:
        if name in self.rows:
            self._mark_checking([name])
            self._worker_server[self.probe_one(name)] = name

    def _mark_checking(self, names: list[str]) -> None:
        now = self._now()
        for name in names:
            row = self.rows[name]
            row.checking = True
            self.table.update_row(row, now)
        self._render_panel()

    def _probe_summary(self) -> str:
        """After R: what the list now says, counted (a toast, so the key visibly did something)."""
        counts: dict[str, int] = {}
        for row in self.rows.values():
            key = status_key(row.server, row.probe, row.checking, row.bearer_set)
            counts[key] = counts.get(key, 0) + 1
        parts = []
        for key, (_, word, _) in STATUS_LOOK.items():
            n = counts.get(key, 0)
            if n:
                parts.append(f"{n} {word}")
        return f"Checked {plural(len(self.rows), 'server')}: " + ", ".join(parts) + "."

    # -- background refresh --------------------------------------------------------------

    def _start_due_refreshes(self, now: float) -> None:
        if self.loaded is None:
            return
        for name in self.refresh_policy.start_due(self.rows.values(), now):
            row = self.rows[name]
            row.refreshing = True
            self.table.update_row(row, now)
            if self.table.selected_name == name:
                self._render_panel()
            self._worker_server[self.refresh_server(name)] = name

    @work(group="refresh", exit_on_error=False)
    async def refresh_server(self, name: str) -> None:
        assert self.loaded is not None
        outcome = await self.app.services.refresh(self.loaded, name)
        self.post_message(RefreshDone(outcome))

    def on_refresh_done(self, message: RefreshDone) -> None:
        outcome: RefreshOutcome = message.outcome
        name = outcome.name
        # Never a loop: after a failure this server waits for the user (l or r).
        self._refresh_finished(name, failed=outcome.error is not None)
        if outcome.probe is not None:
            self._apply_probes([outcome.probe])
        if outcome.error is not None:
            if outcome.rejected:
                # The status detail says it ("refresh token rejected; log in again").
                text = f"{name}: the refresh token was rejected; press l to log in again."
            else:
                self.last_errors[name] = outcome.error
                text = f"{name}: background token refresh failed: {outcome.error} (press r to try again)"
            self.app.notify(
                self.app.outside(text),
                markup=False,
                title="Token refresh",
                severity="warning",
                timeout=8,
            )
        elif outcome.refreshed:
            self.refresh_policy.refreshed(name, self._now())
            self.last_errors.pop(name, None)
            self.app.notify(
                self.app.outside(f"{name}: token refreshed in the background."),
                markup=False,
                timeout=3,
            )
        self._render_panel()

    def _refresh_finished(self, name: str, *, failed: bool) -> None:
        self.refresh_policy.finished(name, failed=failed)
        row = self.rows.get(name)
        if row is not None and row.refreshing:
            row.refreshing = False
            self.table.update_row(row, self._now())

    # -- failures ------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Remember a failed action against its server; the app shows the toast."""
        if event.worker.group in ("probe-all", "probe-one") and event.worker.is_finished:
            self._apply_queued()  # the last results need not wait for the next frame
        if (
            event.worker.group == "probe-all"
            and event.state == WorkerState.SUCCESS
            and self._announce_probe_all
        ):
            self._announce_probe_all = False
            self.app.notify(self._probe_summary(), timeout=5)
        name = self._worker_server.get(event.worker)
        if event.state == WorkerState.ERROR and name is not None and event.worker.error:
            self.last_errors[name] = one_line(event.worker.error)
            row = self.rows.get(name)
            if row is not None and row.checking:
                row.checking = False
                self.table.update_row(row, self._now())
            if event.worker.group == "refresh":
                self._refresh_finished(name, failed=True)
            self._render_panel()
        if event.state == WorkerState.ERROR and event.worker.group == "probe-all":
            reason = one_line(event.worker.error) if event.worker.error else "status check failed"
            for row in self.rows.values():
                if row.checking:
                    row.checking = False
                    self.last_errors[row.server.name] = reason
                    self.table.update_row(row, self._now())
            self._render_panel()
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self._worker_server.pop(event.worker, None)
        self.app.report_failure(event)
