"""The one door from the TUI to the domain layers.

Every call the app makes to config, credentials, status, OAuth and the doctor goes through
:class:`Services`; each returns the view shapes of :mod:`mcpdeck.tui.model`. The app runs these
coroutines in workers and never does network or file I/O itself. Tests pass their own
``Services`` (or a subclass) to :func:`mcpdeck.tui.app.make_app`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable, Collection, Coroutine, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcpdeck.tui.model import LoginOutcome, Probe, RefreshOutcome, ReportView

if TYPE_CHECKING:
    from mcpdeck.config.model import LoadedConfig, ServerConfig
    from mcpdeck.diagnostics.edits import ConfigEdit
    from mcpdeck.oauth.trace import FlowEvent
    from mcpdeck.session.calls import ProgressSink
    from mcpdeck.session.results import CallResult, StepUp
    from mcpdeck.settings import UiSettings
    from mcpdeck.status import ServerStatus
    from mcpdeck.tui.history import CallRequest

EventSink = Callable[["FlowEvent"], None]
ProbeSink = Callable[[Probe], None]


class Services:
    """Real services over one CODEX_HOME and project directory."""

    def __init__(
        self,
        codex_home: Path,
        cwd: Path,
        *,
        env: Mapping[str, str] | None = None,
        open_browser: bool = True,
        browser: Callable[[str], Coroutine[Any, Any, Any]] | None = None,
        probe_timeout: float = 5.0,
        concurrency: int | None = None,
        profile: str | None = None,
        overrides: list[tuple[str, Any]] | None = None,
    ) -> None:
        self.codex_home = codex_home
        self.cwd = cwd
        self.env: Mapping[str, str] = os.environ if env is None else env
        self.open_browser = open_browser
        # Tests and the headless demo pass an opener that completes the authorization itself.
        self.browser = browser
        self.probe_timeout = probe_timeout
        self.concurrency = concurrency
        self.profile = profile
        self.overrides = overrides or []
        self._store: Any = None
        self._store_mode: tuple[str, bool] | None = None

    # -- configuration -------------------------------------------------------------------

    async def load_config(self) -> LoadedConfig:
        from mcpdeck.config.loader import load_config

        return await asyncio.to_thread(
            lambda: load_config(
                self.codex_home, self.cwd, profile=self.profile, overrides=self.overrides
            )
        )

    async def config_fingerprint(self, loaded: LoadedConfig | None) -> tuple[Any, ...]:
        """Cheap: the mtimes and sizes of every config file that matters (stat only)."""
        files = {self.codex_home / "config.toml", self.cwd / ".codex" / "config.toml"}
        if loaded is not None:
            files.update(layer.file for layer in loaded.layers)
        return await asyncio.to_thread(_stat_all, sorted(files))

    def ui_settings(self, known_ids: Collection[str]) -> UiSettings:
        """mcpdeck's own settings file (the keymap); small, read once at start-up."""
        from mcpdeck.settings import load_ui_settings, settings_path

        return load_ui_settings(settings_path(self.env, Path.home()), known_ids)

    def env_is_set(self, var: str) -> bool:
        return bool(self.env.get(var))

    # -- status --------------------------------------------------------------------------

    def _credentials(self, loaded: LoadedConfig) -> Any:
        mode = (loaded.settings.credentials_store, loaded.settings.secrets_storage)
        if self._store is None or self._store_mode != mode:
            from mcpdeck.credentials.select import open_store

            self._store = open_store(mode[0], loaded.codex_home, secrets_storage=mode[1])
            self._store_mode = mode
        return self._store

    async def probe(
        self, loaded: LoadedConfig, on_result: ProbeSink, *, names: list[str] | None = None
    ) -> None:
        """Statuses of ``names`` (default: every server); each reported as soon as it is known.

        The probes run in a child process (``mcpdeck.probe_worker``): their CPU does not compete
        with the UI for the GIL, and cancelling this coroutine (a quit, a re-check) kills the
        child at once, closing its connections. ``on_result`` is called on this loop.
        """
        import json
        import pickle
        import sys
        import tempfile

        from mcpdeck.status import DEFAULT_CONCURRENCY, status_from_json

        request = {
            "codex_home": str(self.codex_home),
            "cwd": str(self.cwd),
            "profile": self.profile,
            "overrides": list(self.overrides),
            "names": names,
            "timeout": self.probe_timeout,
            "concurrency": self.concurrency or DEFAULT_CONCURRENCY,
            # a stored token the server rejects is not "authenticated" (issue 13)
            "check_tokens": True,
        }
        with tempfile.TemporaryFile() as errors:
            child = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "mcpdeck.probe_worker",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=errors,
                env=None if self.env is os.environ else dict(self.env),
                # No new session: the child is then started with vfork, which costs the UI
                # thread far less than forking the whole TUI process (seen as 50 ms of loop CPU).
            )
            try:
                assert child.stdin is not None and child.stdout is not None
                child.stdin.write(pickle.dumps(request))
                child.stdin.close()
                async for line in child.stdout:
                    on_result(_probe_view(status_from_json(json.loads(line)), loaded))
                code = await child.wait()
            finally:
                if child.returncode is None:
                    with contextlib.suppress(ProcessLookupError):
                        child.kill()
                    await _reaped(child)
            if code != 0:
                errors.seek(0)
                lines = errors.read().decode("utf-8", "replace").strip().splitlines()
                raise RuntimeError(
                    f"status probes failed: {lines[-1] if lines else f'exit {code}'}"
                )

    # -- OAuth ---------------------------------------------------------------------------

    async def login(
        self,
        loaded: LoadedConfig,
        name: str,
        on_event: EventSink,
        *,
        paste: Callable[[str], Coroutine[Any, Any, str]] | None = None,
    ) -> LoginOutcome:
        """Run the whole login; cancelling the awaiting task closes the listener, stores nothing."""
        from mcpdeck.config.trust import require_loaded_by_codex
        from mcpdeck.oauth.flow import login
        from mcpdeck.oauth.trace import CredentialsStored, FlowTrace

        server = loaded.visible()[name]
        require_loaded_by_codex(server)
        store = self._credentials(loaded)
        trace = FlowTrace(on_event)
        record = await login(
            server,
            loaded,
            store,
            open_browser=self.open_browser,
            trace=trace,
            browser=self.browser,
            paste=paste,
        )
        stored = next((e for e in reversed(trace.events) if isinstance(e, CredentialsStored)), None)
        return LoginOutcome(
            store=stored.store if stored is not None else None,
            expires_at=record.expires_at,
            granted_scopes=list(record.granted_scopes),
        )

    async def refresh(self, loaded: LoadedConfig, name: str) -> RefreshOutcome:
        """Refresh the server's tokens when they are within the margin, then its new status.

        Goes through the same token provider sessions use: the cross-process refresh lock,
        rotation, and an ``invalid_grant`` marking the record unusable (never retried there).
        """
        from mcpdeck.credentials.record import CredentialKey
        from mcpdeck.oauth.refresh import RefreshRejected
        from mcpdeck.oauth.token_provider import TokenProvider
        from mcpdeck.redact import redact

        server = loaded.visible()[name]
        assert server.url is not None
        store = self._credentials(loaded)
        key = CredentialKey.for_server(loaded.codex_home, name, server.url)
        before = await asyncio.to_thread(store.load, key)
        provider = TokenProvider(server, loaded, store)
        await provider.bearer()
        error = provider.last_error
        after = await asyncio.to_thread(store.load, key)
        # A refresh made by another process (it held the lock first) counts too.
        stamp = after.last_refresh_at if after is not None else None
        refreshed = (
            error is None
            and stamp is not None
            and (before is None or stamp != before.last_refresh_at)
        )
        probes: list[Probe] = []
        await self.probe(loaded, probes.append, names=[name])
        return RefreshOutcome(
            name=name,
            probe=probes[-1] if probes else None,
            refreshed=refreshed,
            rejected=isinstance(error, RefreshRejected),
            error=redact(error.one_line()) if error is not None else None,
        )

    async def revoke(self, loaded: LoadedConfig, name: str) -> list[str]:
        """Revoke the server's stored tokens at its authorization server (RFC 7009) when it
        advertises revocation; what happened, in lines. Never raises: logout goes on."""
        from mcpdeck.credentials.record import CredentialKey
        from mcpdeck.oauth.flow import new_http_client
        from mcpdeck.oauth.revoke import revoke_record

        server = loaded.servers[name]
        if not server.url:
            return []
        key = CredentialKey.for_server(loaded.codex_home, name, server.url)
        try:
            record = await asyncio.to_thread(self._credentials(loaded).load, key)
        except Exception:  # an unreadable store: logout still deletes what it can
            return []
        if record is None or record.server_url != server.url:
            return []
        async with new_http_client() as http:
            return (await revoke_record(http, record)).lines()

    async def logout(self, loaded: LoadedConfig, name: str) -> list[str]:
        """Delete the server's credentials from every backend; the names of those that had some."""
        from mcpdeck.credentials.record import CredentialKey

        server = loaded.visible()[name]
        if not server.url:
            return []
        key = CredentialKey.for_server(loaded.codex_home, name, server.url)
        store = self._credentials(loaded)
        removed: list[str] = await asyncio.to_thread(store.delete_everywhere, key)
        return removed

    # -- doctor --------------------------------------------------------------------------

    async def diagnose(self, loaded: LoadedConfig, name: str) -> ReportView:
        from mcpdeck.tui.report import diagnose_view

        return await diagnose_view(self, loaded, name)

    async def apply_fix(self, loaded: LoadedConfig, name: str, edit: ConfigEdit) -> str:
        """Apply a doctor finding's config edit; returns what changed, in words."""
        from mcpdeck.tui.report import apply_edit

        return await apply_edit(self, loaded, name, edit)

    # -- calls (tools, resources, prompts) -------------------------------------------------

    async def call(
        self, loaded: LoadedConfig, request: CallRequest, on_progress: ProgressSink | None = None
    ) -> CallResult:
        from mcpdeck.tui.calls import run_call

        return await run_call(self, loaded, request, on_progress)

    async def step_up(
        self, loaded: LoadedConfig, name: str, step: StepUp, on_event: EventSink
    ) -> LoginOutcome:
        """The step-up login: the scopes held plus those the server asked for."""
        from mcpdeck.tui.calls import step_up

        return await step_up(self, loaded, name, step, on_event)

    async def save_items(self, result: CallResult) -> list[Path]:
        from mcpdeck.tui.calls import downloads_dir, save_items

        return await save_items(downloads_dir(self.env, self.cwd), result)

    # -- management ----------------------------------------------------------------------

    async def add_server(
        self, loaded: LoadedConfig, name: str, table: dict[str, Any], *, project: bool
    ) -> Path:
        from mcpdeck.config.edit import add_server

        file = loaded.project_file() if project else loaded.user_file
        await asyncio.to_thread(add_server, file, name, table)
        return file

    async def trust_project(self, loaded: LoadedConfig) -> Path:
        """Mark the working directory's project trusted, as Codex writes it."""
        from mcpdeck.config.trust import set_trust

        return await asyncio.to_thread(set_trust, loaded.user_file, loaded.cwd, True)

    async def remove_server(self, loaded: LoadedConfig, name: str) -> Path:
        from mcpdeck.config.edit import remove_server

        file = _defining_file(loaded.visible()[name], loaded)
        await asyncio.to_thread(remove_server, file, name)
        return file

    async def set_enabled(self, loaded: LoadedConfig, name: str, enabled: bool) -> Path:
        from mcpdeck.config.edit import set_enabled

        file = _defining_file(loaded.visible()[name], loaded)
        await asyncio.to_thread(set_enabled, file, name, enabled)
        return file


def _defining_file(server: ServerConfig, loaded: LoadedConfig) -> Path:
    return server.source.file if server.source is not None else loaded.user_file


def _stat_all(files: list[Path]) -> tuple[Any, ...]:
    out: list[Any] = []
    for file in files:
        try:
            st = file.stat()
        except OSError:
            out.append((str(file), None))
        else:
            out.append((str(file), st.st_mtime_ns, st.st_size))
    return tuple(out)


async def _reaped(child: asyncio.subprocess.Process) -> None:
    """Wait until a killed probe worker has exited and its pipes are closed, through any
    further cancellation (a quit cancels the worker, then the loop's shutdown cancels it again),
    which is raised once the worker is reaped: never swallowed.

    Left to the child watcher instead, the worker could outlive a quit's event loop: its
    transport was never closed (collected later: "unclosed transport" and "Event loop is closed"
    from its ``__del__``) and the watcher logged "Loop ... that handles pid ... is closed" when
    the worker died. A SIGKILLed worker is gone in 20-130 ms (the kernel closing its sockets),
    awaited alongside the rest of the app's shutdown.
    """
    assert child.stdout is not None
    cancelled = False
    while True:
        try:
            await child.wait()
            # To EOF: the pipe transport closes only once it has seen it. Nothing else holds the
            # pipe (header helpers get their own), so EOF follows the exit.
            await child.stdout.read()
            break
        except asyncio.CancelledError:
            cancelled = True  # the reaping must still finish; the cancellation is kept
    if cancelled:
        raise asyncio.CancelledError


def _probe_view(status: ServerStatus, loaded: LoadedConfig) -> Probe:
    auth = status.auth
    return Probe(
        name=status.name,
        auth_status=status.auth_status,
        detail=auth.detail,
        expires_at=auth.expires_at,
        granted_scopes=list(auth.scopes),
        requested_scopes=list(auth.requested_scopes),
        store=auth.store,
        refreshable=auth.refreshable,
        issuer=auth.issuer,
        obtained_at=auth.obtained_at,
        checked_at=status.checked_at,
        failed=status.failed,
    )
