"""The main screen: the server list, the auth panel of the selected server, live statuses.

Layout, rendering, the filter and the configuration's loading and watching live here; the
live statuses (probes, background refresh) in :mod:`mcpdeck.tui.screens.main_status`, the
actions that edit the config or open a dialog in :mod:`mcpdeck.tui.screens.main_manage`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Header, Input, Static
from textual.worker import Worker

from mcpdeck.tui.format import STATUS_LOOK, endpoint, source_badge, status_key, transport_word
from mcpdeck.tui.messages import ConfigLoaded
from mcpdeck.tui.model import RowState
from mcpdeck.tui.probe_queue import ProbeQueue
from mcpdeck.tui.refresh_policy import RefreshPolicy
from mcpdeck.tui.screens.main_manage import ManageActions, can_log_in
from mcpdeck.tui.screens.main_status import StatusUpdates
from mcpdeck.tui.widgets.auth_panel import AuthPanel, PanelFacts
from mcpdeck.tui.widgets.config_notes import ConfigBanner, EmptyList
from mcpdeck.tui.widgets.deck_footer import DeckFooter
from mcpdeck.tui.widgets.server_table import ServerTable

if TYPE_CHECKING:
    from mcpdeck.config.model import LoadedConfig, ServerConfig
    from mcpdeck.tui.app import McpdeckApp

WATCH_INTERVAL_SEC = 2.0
# Under this many columns the auth panel docks below the list instead of beside it: beside,
# the panel's 57 columns would leave the list too narrow for Auth and Expires (tried in tmux at
# 80x24, 100x30, 120x40 and 200x60).
SIDE_PANEL_MIN_WIDTH = 140

# (key, action, footer label, binding id, tooltip). Each binding with a tooltip is also a command
# of the palette (ctrl+p); the ids let users remap keys in mcpdeck's settings file.
_COMMANDS = (
    ("v", "diagnose", "Diagnose", "diagnose", "open the doctor's report of the selected server"),
    ("l", "login", "Login", "login", "OAuth login to the selected server"),
    ("o", "logout", "Logout", "logout", "delete the selected server's stored credentials"),
    ("r", "reprobe", "Re-check", "reprobe", "probe the selected server's auth status again"),
    ("R", "reprobe_all", "Re-check all", "reprobe_all", "probe every server's auth status again"),
    ("slash", "filter", "Filter", "filter", "filter the list by name, transport, source or status"),
    ("a", "add", "Add", "add", "add a server to the user or project config"),
    ("d", "remove", "Remove", "remove", "remove the selected server from its config file"),
    (
        "e",
        "toggle_enabled",
        "Enable/Disable",
        "toggle",
        "toggle the selected server's enabled flag",
    ),
    ("p", "toggle_panel", "Panel", "panel", "show or hide the authentication panel"),
    ("question_mark", "help", "Help", "help", "every key of every screen"),
)


class MainScreen(StatusUpdates, ManageActions, Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(key, action, label, id=f"main.{ident}", tooltip=tooltip)
            for key, action, label, ident, tooltip in _COMMANDS
        ),
        Binding(
            "T",
            "trust",
            "Trust project",
            show=False,
            id="main.trust",
            tooltip="let Codex load this project's .codex/config.toml (asks first)",
        ),
        Binding("q", "app.quit", "Quit", id="main.quit"),
        Binding("j", "cursor(1)", "Down", show=False, id="main.down"),
        Binding("k", "cursor(-1)", "Up", show=False, id="main.up"),
    ]

    app: McpdeckApp
    # Back from any dialog the keys go to the list, never to the filter (which would swallow
    # `q` and `?` as text).
    AUTO_FOCUS = "ServerTable"

    def __init__(self) -> None:
        super().__init__(id="main")
        self.loaded: LoadedConfig | None = None
        self.rows: dict[str, RowState] = {}
        self.last_errors: dict[str, str] = {}
        self.filter_text = ""
        self.probe_queue = ProbeQueue()
        self.refresh_policy = RefreshPolicy()
        self._fingerprint: tuple[Any, ...] | None = None
        self._worker_server: dict[Worker[Any], str] = {}
        self._binding_signature: tuple[bool, bool] | None = None
        # Tool counts learnt from diagnoses, per server and endpoint: kept across reloads.
        self._tool_counts: dict[str, tuple[str, int | None]] = {}
        self._announce_probe_all = False

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(icon="☰")
        yield ConfigBanner(self.app.scrub, id="banner")
        yield EmptyList(self.app.scrub, id="empty")
        with Horizontal(id="body"):
            with Vertical(id="list-pane"):
                yield Input(
                    placeholder="/ to filter by name, transport, source or status", id="filter"
                )
                yield Static(id="servers-header")
                yield ServerTable(id="servers")
            yield AuthPanel(self.app.scrub, id="auth")
        yield DeckFooter()

    def on_resize(self) -> None:
        self.set_class(self.size.width < SIDE_PANEL_MIN_WIDTH, "-narrow")

    def secondary_actions(self) -> set[str]:
        return {"reprobe_all", "toggle_enabled", "remove", "logout", "toggle_panel"}

    def hidden_actions(self) -> set[str]:
        if not self.query(ServerTable):  # the footer may ask before the list exists
            return set()
        server = self.selected
        if server is not None and not can_log_in(server):
            return {"login", "logout"}
        return set()

    def on_mount(self) -> None:
        self.query_one("#banner").display = False
        self.query_one("#empty").display = False
        self.query_one("#auth", AuthPanel).border_title = "Authentication"
        self.query_one(ServerTable).focus()
        self.load(initial=True)
        self.set_interval(1.0, self._tick)
        self.set_interval(WATCH_INTERVAL_SEC, self.watch_files)

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
                key = status_key(s, row.probe, row.checking, row.bearer_set)
                hay = " ".join(
                    [s.name, transport_word(s), source_badge(s)[0], key, STATUS_LOOK[key][1]]
                ).lower()
                if needle not in hay:
                    continue
            out.append(row)
        return out

    # -- rendering -----------------------------------------------------------------------

    def _render_all(self) -> None:
        self._show_table()
        self.query_one(ConfigBanner).show(self.loaded, servers_listed=bool(self.rows))
        self._render_empty()
        self._render_panel()
        self._refresh_bindings_if_changed()

    def _show_table(self) -> None:
        self.table.show_rows(self._visible_rows(), self._now(), all_names=list(self.rows))
        self._show_header()

    def _show_header(self) -> None:
        self.query_one("#servers-header", Static).update(
            self.app.markup("$header", header=" " + self.table.header_text())
        )

    def _render_empty(self) -> None:
        body = self.query_one("#body")
        if self.query_one(EmptyList).show(self.loaded, servers_listed=bool(self.rows)):
            body.display = False
        elif self.loaded is not None and not body.display:
            body.display = True
            self.table.focus()  # the first server was just added: keys go to the list

    def _render_panel(self) -> None:
        panel = self.query_one("#auth", AuthPanel)
        server = self.selected
        if server is None:
            empty = None
            if self.rows and self.filter_text.strip():
                empty = self.app.markup(
                    "[b]No server matches “$needle”.[/b]\nEscape in the filter clears it.",
                    needle=self.filter_text.strip(),
                )
            panel.show(None, self._now(), empty=empty)
            return
        row = self.rows[server.name]
        panel.show(
            PanelFacts(
                server=server,
                probe=row.probe,
                checking=row.checking,
                last_error=self.last_errors.get(server.name),
                bearer_set=row.bearer_set,
                refreshing=server.name in self.refresh_policy.in_flight,
                refreshed_at=self.refresh_policy.refreshed_at.get(server.name),
            ),
            self._now(),
        )

    def _refresh_bindings_if_changed(self) -> None:
        """The Footer rebuilds itself on refresh_bindings (costly): only when availability moved."""
        server = self.selected
        signature = (server is not None, server is not None and can_log_in(server))
        if signature != self._binding_signature:
            self._binding_signature = signature
            self.refresh_bindings()

    def _tick(self) -> None:
        now = self._now()
        self.table.tick(self._visible_rows(), now)
        self.query_one("#auth", AuthPanel).tick(now)
        self._start_due_refreshes(now)

    # -- configuration -------------------------------------------------------------------

    @work(exclusive=True, group="config", exit_on_error=False)
    async def load(self, initial: bool = False, announce: bool = False) -> None:
        loaded = await self.app.services.load_config()
        self._fingerprint = await self.app.services.config_fingerprint(loaded)
        self.post_message(ConfigLoaded(loaded, initial=initial, announce=announce))

    @work(exclusive=True, group="watch", exit_on_error=False)
    async def watch_files(self) -> None:
        """Reload when a config file changed on disk (every WATCH_INTERVAL_SEC; stat only)."""
        if self.loaded is None:
            return
        fingerprint = await self.app.services.config_fingerprint(self.loaded)
        if self._fingerprint is not None and fingerprint != self._fingerprint:
            self._fingerprint = fingerprint
            self.load(announce=True)

    def on_config_loaded(self, message: ConfigLoaded) -> None:
        old = self.rows
        self.loaded = message.loaded
        self.rows = {}
        for name, server in message.loaded.visible().items():
            previous = old.get(name)
            row = RowState(
                server=server,
                refreshing=name in self.refresh_policy.in_flight,
                bearer_set=(
                    self.app.services.env_is_set(server.bearer_token_env_var)
                    if server.bearer_token_env_var
                    else None
                ),
            )
            known = self._tool_counts.get(name)
            if known is not None and known[0] == endpoint(server):
                row.tool_count = known[1]
            if previous is not None and previous.server == server:
                row.probe, row.checking = previous.probe, previous.checking
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

    # -- list, filter, keys --------------------------------------------------------------

    @on(ServerTable.ColumnsChanged)
    def _columns_changed(self) -> None:
        self._show_header()

    @on(ServerTable.Highlighted)
    def _row_highlighted(self) -> None:
        self._render_panel()
        self._refresh_bindings_if_changed()

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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        server = self.selected
        if action == "trust":
            # Offered only while the project's files are ignored for lack of trust.
            return bool(self.loaded and any(not r.trusted for r in self.loaded.ignored)) or None
        if action in ("login", "logout", "diagnose", "remove", "toggle_enabled", "reprobe"):
            return server is not None or None
        return True

    def action_cursor(self, delta: int) -> None:
        self.table.action_cursor(delta)

    def action_toggle_panel(self) -> None:
        panel = self.query_one("#auth", AuthPanel)
        panel.display = not panel.display
        where = "beside the list" if self.size.width >= SIDE_PANEL_MIN_WIDTH else "below the list"
        self.app.notify(
            f"Authentication panel shown {where}."
            if panel.display
            else "Authentication panel hidden (p shows it).",
            timeout=2,
        )

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_help(self) -> None:
        self.app.action_help()
