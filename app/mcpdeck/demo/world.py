"""The demo world: an authorization server, four HTTP MCP servers and two config layers.

Everything runs in-process on 127.0.0.1 (ports chosen by the OS) under one temporary directory
that :meth:`DemoWorld.stop` removes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import socket
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn

from mcpdeck.demo.authorization_server import DemoAuthorizationServer
from mcpdeck.demo.config_files import DemoConfigInputs, project_config, user_config
from mcpdeck.demo.resource_guard import OAuthGuard, OAuthProtection, StaticBearerGuard
from mcpdeck.demo.servers import (
    BROKEN_SCOPES,
    LINEAR_REQUIRED,
    LINEAR_SCOPES,
    LINEAR_TOOL_SCOPES,
    build_broken,
    build_docs,
    build_linear,
    build_staging,
)

DOCS_TOKEN_ENV_VAR = "DEMO_DOCS_TOKEN"
SERVER_NAMES = ("linear", "docs", "local", "staging", "broken")
_HTTP_APPS = ("auth", "linear", "docs", "staging", "broken")
_START_TIMEOUT = 15.0
_STOP_TIMEOUT = 15.0


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to whoever owns the demo world."""

    def capture_signals(self) -> contextlib.AbstractContextManager[None]:  # type: ignore[override]
        return contextlib.nullcontext()


def _bind_loopback() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class DemoWorld:
    """A temporary CODEX_HOME and project wired to live demo servers.

    Use ``async with DemoWorld(...) as world`` (or :meth:`start` / :meth:`stop`), or from
    synchronous code :func:`run_demo_in_thread`. After start:

    - ``codex_home``, ``project_dir``: temporary directories (resolved paths); ``config_path``
      and ``project_config_path`` are the two config files;
    - ``urls``: server name → MCP endpoint URL (linear, docs, staging, broken) plus ``auth``,
      the authorization server's issuer (also ``as_url``);
    - ``env``: the variables a shell or subprocess needs (CODEX_HOME, DEMO_DOCS_TOKEN);
    - ``auth_server``: the :class:`DemoAuthorizationServer` (``events``, ``expire_access_tokens``,
      ``revoke_all`` … for tests).
    """

    def __init__(
        self,
        *,
        auto_approve: bool = False,
        token_lifetime: float = 120.0,
        trusted: bool = True,
        base_dir: Path | None = None,
        python: str | None = None,
    ) -> None:
        self.auto_approve = auto_approve
        self.token_lifetime = token_lifetime
        self.trusted = trusted
        self.python = python or sys.executable
        self._base_dir = base_dir
        self.docs_token = "demo_docs_" + secrets.token_urlsafe(18)
        self.auth_server = DemoAuthorizationServer(
            token_lifetime=token_lifetime, auto_approve=auto_approve
        )
        self.root = Path()
        self.codex_home = Path()
        self.project_dir = Path()
        self.urls: dict[str, str] = {}
        self.ports: dict[str, int] = {}
        self._sockets: list[socket.socket] = []
        self._servers: list[_QuietServer] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._started = False

    # -- public attributes derived after start ---------------------------------------------

    @property
    def as_url(self) -> str:
        return self.urls["auth"]

    @property
    def config_path(self) -> Path:
        return self.codex_home / "config.toml"

    @property
    def project_config_path(self) -> Path:
        return self.project_dir / ".codex" / "config.toml"

    @property
    def env(self) -> dict[str, str]:
        return {"CODEX_HOME": str(self.codex_home), DOCS_TOKEN_ENV_VAR: self.docs_token}

    @property
    def docs_token_file(self) -> Path:
        return self.root / "docs-token"

    def shell_lines(self) -> list[str]:
        """Lines to paste into a shell so other mcpdeck (or codex) commands use the demo.

        The docs token is read from a 0600 file rather than printed: no secret in any output.
        """
        import shlex

        return [
            f"export CODEX_HOME={shlex.quote(str(self.codex_home))}",
            f'export {DOCS_TOKEN_ENV_VAR}="$(cat {shlex.quote(str(self.docs_token_file))})"',
            f"cd {shlex.quote(str(self.project_dir))}",
        ]

    # -- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> DemoWorld:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> DemoWorld:
        if self._started:
            raise RuntimeError("this demo world was already started")
        self._started = True
        try:
            self._make_dirs()
            for name in _HTTP_APPS:
                sock = _bind_loopback()
                self._sockets.append(sock)
                self.ports[name] = sock.getsockname()[1]
            base = {n: f"http://127.0.0.1:{p}" for n, p in self.ports.items()}
            self.urls = {"auth": base["auth"]}
            self.urls.update({n: f"{base[n]}/mcp" for n in _HTTP_APPS if n != "auth"})
            self.auth_server.issuer = self.urls["auth"]
            self._write_configs()
            apps = self._build_apps()
            for name, sock in zip(_HTTP_APPS, self._sockets, strict=True):
                await self._serve(apps[name], sock)
        except BaseException:
            await self.stop()
            raise
        return self

    async def stop(self) -> None:
        for server in self._servers:
            server.should_exit = True
        if self._tasks:
            done, pending = await asyncio.wait(self._tasks, timeout=_STOP_TIMEOUT)
            if pending:
                # Open SSE streams can hold a graceful shutdown; the demo owns no data worth it.
                for server in self._servers:
                    server.force_exit = True
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
            for task in done:
                if not task.cancelled():
                    task.exception()  # retrieved so asyncio does not log it as never awaited
        self._servers.clear()
        self._tasks.clear()
        for sock in self._sockets:
            sock.close()
        self._sockets.clear()
        if self.root != Path() and self.root.exists():
            shutil.rmtree(self.root, ignore_errors=True)

    # -- internals -------------------------------------------------------------------------

    def _make_dirs(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="mcpdeck-demo-", dir=self._base_dir)).resolve()
        self.codex_home = self.root / "codex-home"
        self.project_dir = self.root / "acme-app"
        self.codex_home.mkdir(mode=0o700)
        (self.project_dir / ".git").mkdir(parents=True)
        (self.project_dir / ".codex").mkdir()

    def _write_configs(self) -> None:
        inputs = DemoConfigInputs(
            linear_url=self.urls["linear"],
            docs_url=self.urls["docs"],
            staging_url=self.urls["staging"],
            broken_url=self.urls["broken"],
            python=self.python,
            project_dir=str(self.project_dir),
            trusted=self.trusted,
            docs_token_env_var=DOCS_TOKEN_ENV_VAR,
        )
        self.config_path.write_text(user_config(inputs), encoding="utf-8")
        fd = os.open(self.docs_token_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(self.docs_token + "\n")
        self.project_config_path.write_text(project_config(inputs), encoding="utf-8")

    def _build_apps(self) -> dict[str, Any]:
        auth = self.auth_server
        auth.add_resource(self.urls["linear"], LINEAR_SCOPES, LINEAR_REQUIRED)
        auth.add_resource(self.urls["broken"], BROKEN_SCOPES)
        linear = OAuthGuard(
            build_linear(auth).streamable_http_app(),
            OAuthProtection(
                resource=self.urls["linear"],
                authorization_servers=[auth.issuer],
                scopes_supported=LINEAR_SCOPES,
                required_scopes=LINEAR_REQUIRED,
                verify=auth.verify_access_token,
                tool_scopes=LINEAR_TOOL_SCOPES,
                resource_name="Linear (demo)",
            ),
        )
        docs = StaticBearerGuard(build_docs().streamable_http_app(), self.docs_token, "docs")
        broken = OAuthGuard(
            build_broken().streamable_http_app(),
            OAuthProtection(
                resource=self.urls["broken"],
                authorization_servers=[auth.issuer],
                scopes_supported=BROKEN_SCOPES,
                required_scopes=BROKEN_SCOPES,
                verify=auth.verify_access_token,
                resource_name="Broken (demo)",
            ),
        )
        return {
            "auth": auth.app(),
            "linear": linear,
            "docs": docs,
            "staging": build_staging().streamable_http_app(),
            "broken": broken,
        }

    async def _serve(self, app: Any, sock: socket.socket) -> None:
        config = uvicorn.Config(
            app,
            log_config=None,  # the host (CLI, TUI, pytest) owns logging
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=2,
        )
        server = _QuietServer(config)
        task = asyncio.create_task(server.serve(sockets=[sock]))
        self._servers.append(server)
        self._tasks.append(task)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _START_TIMEOUT
        while not server.started:
            if task.done():
                task.result()  # surfaces the start-up error
                raise RuntimeError("a demo server stopped during start-up")
            if loop.time() > deadline:
                raise RuntimeError("a demo server did not start in time")
            await asyncio.sleep(0.01)


@contextlib.contextmanager
def run_demo_in_thread(**options: Any) -> Iterator[DemoWorld]:
    """Run a :class:`DemoWorld` on its own event loop in a background thread.

    ``with run_demo_in_thread(auto_approve=True) as world:`` — the world is started on entry
    and stopped (servers down, ports closed, temp dirs removed) on exit.
    """
    world = DemoWorld(**options)
    ready = threading.Event()
    failure: list[BaseException] = []
    control: dict[str, Any] = {}

    async def main() -> None:
        try:
            await world.start()
        except BaseException as exc:
            failure.append(exc)
            ready.set()
            return
        stopping = asyncio.Event()
        control["loop"] = asyncio.get_running_loop()
        control["stopping"] = stopping
        ready.set()
        try:
            await stopping.wait()
        finally:
            await world.stop()

    thread = threading.Thread(target=asyncio.run, args=(main(),), name="mcpdeck-demo", daemon=True)
    thread.start()
    while not ready.wait(0.1):
        if not thread.is_alive():
            raise RuntimeError("the demo world's thread ended during start-up")
    if failure:
        thread.join()
        raise failure[0]
    try:
        yield world
    finally:
        control["loop"].call_soon_threadsafe(control["stopping"].set)
        thread.join(_STOP_TIMEOUT + 5)
