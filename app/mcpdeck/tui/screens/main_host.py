"""What the main screen's parts (:mod:`.main_status`, :mod:`.main_manage`) read and call on it.

Declarations for the type checker only: at run time this class is empty and
:class:`mcpdeck.tui.screens.main.MainScreen` provides every name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.worker import Worker

    from mcpdeck.config.model import LoadedConfig, ServerConfig
    from mcpdeck.tui.app import McpdeckApp
    from mcpdeck.tui.model import RowState
    from mcpdeck.tui.probe_queue import ProbeQueue
    from mcpdeck.tui.refresh_policy import RefreshPolicy
    from mcpdeck.tui.widgets.server_table import ServerTable


class MainHost:
    if TYPE_CHECKING:
        app: McpdeckApp
        loaded: LoadedConfig | None
        rows: dict[str, RowState]
        last_errors: dict[str, str]
        refresh_policy: RefreshPolicy
        probe_queue: ProbeQueue
        _fingerprint: tuple[Any, ...] | None
        _tool_counts: dict[str, tuple[str, int | None]]
        _worker_server: dict[Worker[Any], str]
        _announce_probe_all: bool

        @property
        def table(self) -> ServerTable: ...
        @property
        def selected(self) -> ServerConfig | None: ...
        def _now(self) -> float: ...
        def _render_panel(self) -> None: ...
        def action_reprobe_named(self, name: str) -> None: ...
        def post_message(self, message: Any) -> bool: ...
        def call_after_refresh(self, callback: Any, *args: Any) -> bool: ...
