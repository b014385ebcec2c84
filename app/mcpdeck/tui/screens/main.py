"""The main screen: the server list, the auth panel of the selected server, live statuses."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static
from textual.worker import Worker, WorkerState

from mcpdeck.credentials.record import refresh_margin
from mcpdeck.tui.errors import one_line
from mcpdeck.tui.format import STATUS_LOOK, source_badge, status_key, transport_word
from mcpdeck.tui.messages import ConfigLoaded, ProbesPending, RefreshDone
from mcpdeck.tui.model import Probe, RefreshOutcome
from mcpdeck.tui.widgets.auth_panel import AuthPanel, PanelFacts
from mcpdeck.tui.widgets.server_table import RowState, ServerTable

if TYPE_CHECKING:
    from mcpdeck.config.model import LoadedConfig, ServerConfig
    from mcpdeck.tui.app import McpdeckApp

MAX_BANNER_LINES = 4
WATCH_INTERVAL_SEC = 2.0
# After a background refresh attempt, the same server waits this long before the next one: an
# authorization server issuing tokens shorter-lived than the margin must not be asked every tick.
REFRESH_COOLDOWN_SEC = 30.0


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "diagnose", "Diagnose", id="main.diagnose"),
        Binding("l", "login", "Login", id="main.login"),
        Binding("o", "logout", "Logout", id="main.logout"),
        Binding("r", "reprobe", "Re-check", id="main.reprobe"),
        Binding("R", "reprobe_all", "Re-check all", id="main.reprobe_all"),
        Binding("slash", "filter", "Filter", id="main.filter"),
        Binding("a", "add", "Add", id="main.add"),
        Binding("d", "remove", "Remove", id="main.remove"),
        Binding("e", "toggle_enabled", "Enable/Disable", id="main.toggle"),
        Binding("question_mark", "help", "Help", id="main.help"),
        Binding("q", "app.quit", "Quit", id="main.quit"),
        Binding("j", "cursor(1)", "Down", show=False),
        Binding("k", "cursor(-1)", "Up", show=False),
    ]

    app: McpdeckApp

    def __init__(self) -> None:
        super().__init__(id="main")
        self.loaded: LoadedConfig | None = None
        self.rows: dict[str, RowState] = {}
        self.last_errors: dict[str, str] = {}
        self.filter_text = ""
        self._fingerprint: tuple[Any, ...] | None = None
        self._worker_server: dict[Worker[Any], str] = {}
        self._binding_signature: tuple[bool, bool] | None = None
        # Probe results arrive from the probe thread; they wait here until the next batch.
        self._batch: list[Probe] = []
        self._batch_lock = threading.Lock()
        self._batch_posted = False
        # Background refresh: in flight, failed (no retry until l or r), cooling down.
        self._refreshing: set[str] = set()
        self._refresh_blocked: set[str] = set()
        self._refresh_not_before: dict[str, float] = {}
        self._refreshed_at: dict[str, float] = {}

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(icon="☰")
        yield Static(id="banner")
        yield Static(id="empty")
        with Horizontal(id="body"):
            with Vertical(id="list-pane"):
                yield Input(
                    placeholder="/ to filter by name, transport, source or status", id="filter"
                )
                yield Static(id="servers-header")
                yield ServerTable(id="servers")
            yield AuthPanel(self.app.scrub, id="auth")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#banner").display = False
        self.query_one("#empty").display = False
        self.query_one("#auth", AuthPanel).border_title = "Authentication"
        self.query_one(ServerTable).focus()
        self.load(initial=True)
        self.set_interval(1.0, self._tick)
        self.set_interval(WATCH_INTERVAL_SEC, self._watch_files)

    # -- state helpers -------------------------------------------------------------------

    @property
    def table(self) -> ServerTable:
        return self.query_one(ServerTable)

    @property
    def selected(self) -> ServerConfig | None:
        name = self.table.selected_name
        if name is None or name not in self.rows:
            return None
        return self.rows[name].server

    def _now(self) -> float:
        return self.app.clock()

    def _visible_rows(self) -> list[RowState]:
        needle = self.filter_text.lower().strip()
        out = []
        for row in self.rows.values():
            if needle:
                s = row.server
                key = status_key(s, row.probe, row.checking)
                hay = " ".join(
                    [s.name, transport_word(s), source_badge(s)[0], key, STATUS_LOOK[key][1]]
                ).lower()
                if needle not in hay:
                    continue
            out.append(row)
        return out

    def _render_all(self) -> None:
        self._show_table()
        self._render_banner()
        self._render_empty()
        self._render_panel()
        self._refresh_bindings_if_changed()

    def _show_table(self) -> None:
        self.table.show_rows(self._visible_rows(), self._now(), all_names=list(self.rows))
        self.query_one("#servers-header", Static).update(
            self.app.markup("$header", header=" " + self.table.header_text())
        )

    def _render_banner(self) -> None:
        banner = self.query_one("#banner", Static)
        problems = self.loaded.all_problems() if self.loaded else []
        if not problems:
            banner.display = False
            return
        errors = [p for p in problems if p.severity == "error"]
        head = (
            f"⚠ {len(problems)} configuration problem{'s' if len(problems) != 1 else ''}"
            f" ({len(errors)} error{'s' if len(errors) != 1 else ''})"
            + (" — the valid servers are still listed" if self.rows else "")
            + " — the list reloads when the file is saved"
        )
        lines = [self.app.markup("[b]$head[/b]", head=head)]
        for problem in problems[:MAX_BANNER_LINES]:
            lines.append(self.app.markup("  $problem", problem=problem.one_line()))
        if len(problems) > MAX_BANNER_LINES:
            lines.append(
                Content(
                    f"  … and {len(problems) - MAX_BANNER_LINES} more: run `mcpdeck doctor` to see all"
                )
            )
        banner.update(Content("\n").join(lines))
        banner.set_class(bool(errors), "-error")
        banner.display = True

    def _render_empty(self) -> None:
        empty = self.query_one("#empty", Static)
        body = self.query_one("#body")
        if self.loaded is None:
            empty.display = False
            return
        unreadable = any(p.severity == "error" for p in self.loaded.all_problems())
        if not self.rows and unreadable:
            empty.update(
                "[b]No server could be read.[/b]\n\n"
                "Fix the configuration error shown above in your editor; the list reloads "
                "as soon as the file is saved.\n\n"
                "  • [b]mcpdeck doctor[/b] explains every problem\n"
                "  • [b]?[/b] lists every key"
            )
            empty.display = True
            body.display = False
            return
        if not self.rows:
            empty.update(
                self.app.markup(
                    "[b]No MCP servers configured yet.[/b]\n\n"
                    "mcpdeck reads the servers Codex uses from [b]$user[/b]\n"
                    "and from the project's [b]$project[/b].\n\n"
                    "  • press [b]a[/b] to add a server (a URL for a remote server, or a command)\n"
                    "  • or quit and run [b]mcpdeck demo[/b] to try every feature on a local demo world\n"
                    "  • [b]?[/b] lists every key",
                    user=str(self.loaded.user_file),
                    project=str(self.loaded.project_file()),
                )
            )
            empty.display = True
            body.display = False
            return
        empty.display = False
        body.display = True

    def _render_panel(self) -> None:
        panel = self.query_one("#auth", AuthPanel)
        server = self.selected
        if server is None:
            panel.show(None, self._now())
            return
        row = self.rows[server.name]
        bearer = (
            self.app.services.env_is_set(server.bearer_token_env_var)
            if server.bearer_token_env_var
            else None
        )
        panel.show(
            PanelFacts(
                server=server,
                probe=row.probe,
                checking=row.checking,
                last_error=self.last_errors.get(server.name),
                bearer_set=bearer,
                refreshing=server.name in self._refreshing,
                refreshed_at=self._refreshed_at.get(server.name),
            ),
            self._now(),
        )

    def _tick(self) -> None:
        now = self._now()
        self.table.tick(self._visible_rows(), now)
        self.query_one("#auth", AuthPanel).tick(now)
        self._start_due_refreshes(now)

    # -- background refresh --------------------------------------------------------------

    def _refresh_due(self, row: RowState, now: float) -> bool:
        probe = row.probe
        name = row.server.name
        return (
            probe is not None
            and probe.auth_status == "authenticated"
            and probe.refreshable
            and probe.expires_at is not None
            and probe.expires_at - now <= refresh_margin(_lifetime(probe))
            and row.server.enabled
            and not row.checking
            and name not in self._refreshing
            and name not in self._refresh_blocked
            and now >= self._refresh_not_before.get(name, 0.0)
        )

    def _start_due_refreshes(self, now: float) -> None:
        if self.loaded is None:
            return
        for name, row in self.rows.items():
            if self._refresh_due(row, now):
                self._refreshing.add(name)
                self._refresh_not_before[name] = now + REFRESH_COOLDOWN_SEC
                row.refreshing = True
                self.table.update_row(row, now)
                if self.table.selected_name == name:
                    self._render_panel()
                self._worker_server[self.refresh_server(name)] = name

    def _allow_refresh(self, name: str) -> None:
        """The user acted (r, R, a login): a failed background refresh may be tried again."""
        self._refresh_blocked.discard(name)
        self._refresh_not_before.pop(name, None)

    @work(group="refresh", exit_on_error=False)
    async def refresh_server(self, name: str) -> None:
        assert self.loaded is not None
        outcome = await self.app.services.refresh(self.loaded, name)
        self.post_message(RefreshDone(outcome))

    def on_refresh_done(self, message: RefreshDone) -> None:
        outcome: RefreshOutcome = message.outcome
        name = outcome.name
        self._refresh_finished(name)
        if outcome.probe is not None:
            self._apply_probes([outcome.probe])
        if outcome.error is not None:
            # Never a loop: this server waits for the user (l or r) before another attempt.
            self._refresh_blocked.add(name)
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
            self._refreshed_at[name] = self._now()
            self.last_errors.pop(name, None)
            self.app.notify(
                self.app.outside(f"{name}: token refreshed in the background."),
                markup=False,
                timeout=3,
            )
        self._render_panel()

    def _refresh_finished(self, name: str) -> None:
        self._refreshing.discard(name)
        row = self.rows.get(name)
        if row is not None and row.refreshing:
            row.refreshing = False
            self.table.update_row(row, self._now())

    # -- workers -------------------------------------------------------------------------

    @work(exclusive=True, group="config", exit_on_error=False)
    async def load(self, initial: bool = False, announce: bool = False) -> None:
        loaded = await self.app.services.load_config()
        self._fingerprint = await self.app.services.config_fingerprint(loaded)
        self.post_message(ConfigLoaded(loaded, initial=initial, announce=announce))

    @work(exclusive=True, group="watch", exit_on_error=False)
    async def _watch_files(self) -> None:
        if self.loaded is None:
            return
        fingerprint = await self.app.services.config_fingerprint(self.loaded)
        if self._fingerprint is not None and fingerprint != self._fingerprint:
            self._fingerprint = fingerprint
            self.load(announce=True)

    @work(exclusive=True, group="probe-all", exit_on_error=False)
    async def probe_all(self) -> None:
        assert self.loaded is not None
        await self.app.services.probe(self.loaded, self._probe_arrived)

    @work(group="probe-one", exit_on_error=False)
    async def probe_one(self, name: str) -> None:
        assert self.loaded is not None
        await self.app.services.probe(self.loaded, self._probe_arrived, names=[name])

    def _probe_arrived(self, probe: Probe) -> None:
        """Called from the probe thread: queue the result; one message per batch."""
        with self._batch_lock:
            self._batch.append(probe)
            if self._batch_posted:
                return
            self._batch_posted = True
        self.post_message(ProbesPending())

    # -- message handlers ----------------------------------------------------------------

    def on_config_loaded(self, message: ConfigLoaded) -> None:
        old = self.rows
        self.loaded = message.loaded
        self.rows = {}
        for name, server in message.loaded.visible().items():
            previous = old.get(name)
            row = RowState(server=server, refreshing=name in self._refreshing)
            if previous is not None and previous.server == server:
                row.probe, row.checking, row.tool_count = (
                    previous.probe,
                    previous.checking,
                    previous.tool_count,
                )
            self.rows[name] = row
        self._render_all()
        if message.announce:
            self.app.notify("Configuration changed on disk: reloaded.", timeout=3)
        if message.initial:
            if self.rows:
                self.probe_all()
            return
        for name, row in self.rows.items():
            if row.checking:
                self._worker_server[self.probe_one(name)] = name

    def on_probes_pending(self, _: ProbesPending) -> None:
        # Applied once per frame: whatever arrived until the next screen update is one pass
        # over the table (a fixed 1/30 s timer measured a higher median key-to-render time).
        self.call_after_refresh(self._apply_batch)

    def _apply_batch(self) -> None:
        with self._batch_lock:
            batch, self._batch = self._batch, []
            self._batch_posted = False
        if batch:
            self._apply_probes(batch)

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

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Remember a failed action against its server; the app shows the toast."""
        if event.worker.group in ("probe-all", "probe-one") and event.worker.is_finished:
            self._apply_batch()  # the last results need not wait for the next frame
        name = self._worker_server.get(event.worker)
        if event.state == WorkerState.ERROR and name is not None and event.worker.error:
            self.last_errors[name] = one_line(event.worker.error)
            row = self.rows.get(name)
            if row is not None and row.checking:
                row.checking = False
                self.table.update_row(row, self._now())
            if event.worker.group == "refresh":
                self._refresh_finished(name)
                self._refresh_blocked.add(name)
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

    @on(ServerTable.Highlighted)
    def _row_highlighted(self) -> None:
        self._render_panel()
        self._refresh_bindings_if_changed()

    def _refresh_bindings_if_changed(self) -> None:
        """The Footer rebuilds itself on refresh_bindings (costly): only when availability moved."""
        server = self.selected
        signature = (server is not None, server is not None and self._can_log_in(server))
        if signature != self._binding_signature:
            self._binding_signature = signature
            self.refresh_bindings()

    @staticmethod
    def _can_log_in(server: ServerConfig) -> bool:
        return server.transport == "streamable_http" and server.valid

    @on(ServerTable.Selected)
    def _row_selected(self) -> None:
        self.action_diagnose()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self._show_table()
        self._render_panel()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.table.focus()

    def on_key(self, event: Any) -> None:
        flt = self.query_one("#filter", Input)
        if event.key == "escape" and flt.has_focus:
            flt.value = ""
            self.table.focus()
            event.stop()

    # -- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        server = self.selected
        if action == "trust":
            # Offered only while the project's files are ignored for lack of trust.
            return bool(self.loaded and any(not r.trusted for r in self.loaded.ignored)) or None
        if action in ("login", "logout"):
            return (server is not None and self._can_log_in(server)) or None
        if action in ("diagnose", "remove", "toggle_enabled", "reprobe"):
            return server is not None or None
        return True

    def action_cursor(self, delta: int) -> None:
        self.table.action_cursor(delta)

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_help(self) -> None:
        from mcpdeck.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())

    def action_reprobe(self) -> None:
        server = self.selected
        if server is None or self.loaded is None:
            return
        self._allow_refresh(server.name)
        self.action_reprobe_named(server.name)

    def action_reprobe_all(self) -> None:
        if self.loaded is None or not self.rows:
            return
        for name in self.rows:
            self._allow_refresh(name)
        self._mark_checking(list(self.rows))
        self.probe_all()

    def _mark_checking(self, names: list[str]) -> None:
        now = self._now()
        for name in names:
            row = self.rows[name]
            row.checking = True
            self.table.update_row(row, now)
        self._render_panel()

    def action_diagnose(self) -> None:
        server = self.selected
        if server is None or self.loaded is None:
            return
        from mcpdeck.tui.screens.diagnose import DiagnosticScreen

        name = server.name

        def closed(_: None) -> None:
            # The doctor may have refreshed a token or applied a fix: show the row as it is now.
            self.action_reprobe_named(name)

        self.app.push_screen(DiagnosticScreen(name, self.loaded, self._tools_known), closed)

    def _tools_known(self, name: str, count: int | None) -> None:
        row = self.rows.get(name)
        if row is not None:
            row.tool_count = count
            self.table.update_row(row, self._now())

    def action_login(self) -> None:
        server = self.selected
        if server is None or self.loaded is None:
            return
        if server.transport != "streamable_http":
            self.app.notify("Only remote (HTTP) servers log in with OAuth.", severity="warning")
            return
        from mcpdeck.tui.screens.login import LoginScreen

        name = server.name

        def done(result: str | None) -> None:
            if result == "ok":
                self.last_errors.pop(name, None)
                self._allow_refresh(name)
                self.action_reprobe_named(name)
            elif result and result != "cancelled":
                self.last_errors[name] = result
                self._render_panel()

        self.app.push_screen(LoginScreen(name, self.loaded), done)

    def action_reprobe_named(self, name: str) -> None:
        if name in self.rows:
            self._mark_checking([name])
            self._worker_server[self.probe_one(name)] = name

    def action_logout(self) -> None:
        server = self.selected
        if server is None or self.loaded is None:
            return
        from mcpdeck.tui.screens.confirm import ConfirmScreen

        name = server.name
        body = self.app.markup(
            "Delete the stored OAuth credentials of [b]$name[/b] from every store?\n"
            "The configuration file is not changed.",
            name=name,
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._worker_server[self.logout_server(name)] = name

        self.app.push_screen(ConfirmScreen("Log out", body), answered)

    @work(group="logout", exit_on_error=False)
    async def logout_server(self, name: str) -> None:
        assert self.loaded is not None
        # Revocation at the authorization server first, then the local deletion, whatever
        # the revocation said (as `mcpdeck logout`).
        revoked = await self.app.services.revoke(self.loaded, name)
        removed = await self.app.services.logout(self.loaded, name)
        if removed:
            said = f"Logged out of {name}: removed from {', '.join(removed)}."
        else:
            said = f"{name}: nothing was stored; nothing to remove."
        said = " ".join([*revoked, said])
        self.app.notify(self.app.outside(said), markup=False)
        self.action_reprobe_named(name)

    def action_add(self) -> None:
        if self.loaded is None:
            return
        from mcpdeck.tui.screens.add import AddServerScreen

        def submitted(result: tuple[str, dict[str, Any], bool] | None) -> None:
            if result is not None:
                self.add_server(*result)

        self.app.push_screen(AddServerScreen(self.loaded, self.app.scrub), submitted)

    @work(group="manage", exit_on_error=False)
    async def add_server(self, name: str, table: dict[str, Any], project: bool) -> None:
        assert self.loaded is not None
        file = await self.app.services.add_server(self.loaded, name, table, project=project)
        self.app.notify(self.app.outside(f"Added {name} to {file}."), markup=False)
        await self._reload_now()
        self._select(name)

    def action_remove(self) -> None:
        server = self.selected
        if server is None or self.loaded is None:
            return
        from mcpdeck.tui.screens.confirm import ConfirmScreen

        name = server.name
        body = self.app.markup(
            "Remove [b]$name[/b] from $where?\n"
            "Comments and every other entry stay as they are. Stored credentials are kept "
            "(log out first to delete them).",
            name=name,
            where=str(server.source.file) if server.source else "the config",
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.remove_server(name)

        self.app.push_screen(ConfirmScreen("Remove server", body), answered)

    def action_trust(self) -> None:
        if self.loaded is None:
            return
        from mcpdeck.tui.screens.confirm import ConfirmScreen

        files = sorted(
            {str(r.source.file) for r in self.loaded.ignored if r.source and not r.trusted}
        )
        body = self.app.markup(
            "Trust the project in [b]$where[/b]?\n"
            "Codex will then load $files, including the commands and URLs they name. "
            "Trust only a repository whose files you have read.",
            where=str(self.loaded.cwd),
            files=", ".join(files),
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.trust_project()

        self.app.push_screen(ConfirmScreen("Trust project", body), answered)

    @work(group="manage", exit_on_error=False)
    async def trust_project(self) -> None:
        assert self.loaded is not None
        root = await self.app.services.trust_project(self.loaded)
        self.app.notify(self.app.outside(f"Trusted {root}."), markup=False)
        await self._reload_now()

    @work(group="manage", exit_on_error=False)
    async def remove_server(self, name: str) -> None:
        assert self.loaded is not None
        file = await self.app.services.remove_server(self.loaded, name)
        self.app.notify(self.app.outside(f"Removed {name} from {file}."), markup=False)
        await self._reload_now()

    def action_toggle_enabled(self) -> None:
        server = self.selected
        if server is None or self.loaded is None:
            return
        self.toggle_server(server.name, not server.enabled)

    @work(group="manage", exit_on_error=False)
    async def toggle_server(self, name: str, enabled: bool) -> None:
        assert self.loaded is not None
        file = await self.app.services.set_enabled(self.loaded, name, enabled)
        word = "Enabled" if enabled else "Disabled"
        self.app.notify(self.app.outside(f"{word} {name} in {file}."), markup=False)
        await self._reload_now()
        self._select(name)

    async def _reload_now(self) -> None:
        """Reload in this worker so the list reflects the edit before the next key."""
        loaded = await self.app.services.load_config()
        self._fingerprint = await self.app.services.config_fingerprint(loaded)
        self.post_message(ConfigLoaded(loaded))

    def _select(self, name: str) -> None:
        self.call_after_refresh(self.table.move_to, name)


def _lifetime(probe: Any) -> float | None:
    """The stored token's lifetime, as far as the probe knows it (the margin scales with it)."""
    if probe.expires_at is None or not probe.obtained_at:
        return None
    lifetime: float = probe.expires_at - probe.obtained_at
    return lifetime
