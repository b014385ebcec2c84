"""The main screen's actions on servers that open a dialog or edit the config.

Diagnose, log in, log out, add, remove, enable/disable, trust the project: each asks (a dialog
or a confirmation), then runs its service call in a worker and reloads or re-probes the server
so the list shows the result before the next key. Mixed into
:class:`mcpdeck.tui.screens.main.MainScreen`, whose state it reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work

from mcpdeck.tui.format import endpoint, field_layers
from mcpdeck.tui.messages import ConfigLoaded
from mcpdeck.tui.screens.main_host import MainHost

if TYPE_CHECKING:
    from mcpdeck.config.model import LoadedConfig, ServerConfig


def can_log_in(server: ServerConfig) -> bool:
    return server.transport == "streamable_http" and server.valid


def no_login_reason(server: ServerConfig) -> str:
    if server.transport == "stdio":
        return (
            f"{server.name} is a command (stdio) server: only remote (HTTP) servers "
            "log in with OAuth."
        )
    return f"{server.name} is not a valid server entry: fix its config first (v shows why)."


class ManageActions(MainHost):
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
            self._tool_counts[name] = (endpoint(row.server), count)
            row.tool_count = count
            self.table.update_row(row, self._now())

    def _refuse_login(self, server: ServerConfig) -> bool:
        """True (and a toast saying why) when ``server`` cannot log in or out."""
        if can_log_in(server):
            return False
        self.app.notify(self.app.outside(no_login_reason(server)), markup=False, severity="warning")
        return True

    def action_login(self) -> None:
        server = self.selected
        if server is None or self.loaded is None or self._refuse_login(server):
            return
        from mcpdeck.tui.screens.login import LoginScreen

        name = server.name

        def done(result: str | None) -> None:
            if result == "ok":
                self.last_errors.pop(name, None)
                self.refresh_policy.allow(name)
                self.action_reprobe_named(name)
            elif result and result != "cancelled":
                self.last_errors[name] = result
                self._render_panel()

        self.app.push_screen(LoginScreen(name, self.loaded), done)

    def action_logout(self) -> None:
        server = self.selected
        if server is None or self.loaded is None or self._refuse_login(server):
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
        layers = field_layers(server)
        stays = ""
        if server.source is not None and len(layers) > 1:
            other = "user" if server.source.layer == "project" else "project"
            stays = (
                f"\n[$warning]Only the {server.source.layer} layer's entry goes: $name "
                f"stays defined in the {other} layer.[/]"
            )
        body = self.app.markup(
            f"Remove [b]$name[/b] from $where?{stays}\n"
            "Comments and every other entry stay as they are. Stored credentials are kept "
            "(log out first to delete them).",
            name=name,
            where=str(server.source.file) if server.source else "the config",
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.remove_server(name)

        self.app.push_screen(ConfirmScreen("Remove server", body), answered)

    @work(group="manage", exit_on_error=False)
    async def remove_server(self, name: str) -> None:
        assert self.loaded is not None
        file = await self.app.services.remove_server(self.loaded, name)
        loaded = await self._reload_now()
        still = loaded.servers.get(name)
        if still is not None and still.defined_at is not None:
            # As the CLI says it: the entry of another layer is what the list shows now.
            self.app.notify(
                self.app.outside(
                    f"Removed {name} from {file}; it is still defined in {still.defined_at} "
                    f"({still.defined_at.layer} layer), so it stays listed."
                ),
                markup=False,
                severity="warning",
                timeout=10,
            )
        else:
            self.app.notify(self.app.outside(f"Removed {name} from {file}."), markup=False)

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

    async def _reload_now(self) -> LoadedConfig:
        """Reload in this worker so the list reflects the edit before the next key."""
        loaded = await self.app.services.load_config()
        self._fingerprint = await self.app.services.config_fingerprint(loaded)
        self.post_message(ConfigLoaded(loaded))
        return loaded

    def _select(self, name: str) -> None:
        self.call_after_refresh(self.table.move_to, name)
