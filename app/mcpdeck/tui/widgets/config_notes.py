"""What the main screen says about the configuration itself: its problems, or that it is empty."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

from mcpdeck.tui.safe_text import markup

if TYPE_CHECKING:
    from mcpdeck.config.model import LoadedConfig

MAX_BANNER_LINES = 4


class ConfigBanner(Static):
    """The configuration's problems above the list (first few, then a count); hidden when none."""

    def __init__(self, scrub: Callable[[str], str], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._scrub = scrub

    def show(self, loaded: LoadedConfig | None, *, servers_listed: bool) -> None:
        problems = loaded.all_problems() if loaded else []
        if not problems:
            self.display = False
            return
        errors = [p for p in problems if p.severity == "error"]
        head = (
            f"⚠ {len(problems)} configuration problem{'s' if len(problems) != 1 else ''}"
            f" ({len(errors)} error{'s' if len(errors) != 1 else ''})"
            + (" — the valid servers are still listed" if servers_listed else "")
            + " — the list reloads when the file is saved"
        )
        lines = [markup("[b]$head[/b]", self._scrub, head=head)]
        for problem in problems[:MAX_BANNER_LINES]:
            lines.append(markup("  $problem", self._scrub, problem=problem.one_line()))
        if len(problems) > MAX_BANNER_LINES:
            lines.append(
                Content(
                    f"  … and {len(problems) - MAX_BANNER_LINES} more: run `mcpdeck doctor` to see all"
                )
            )
        self.update(Content("\n").join(lines))
        self.set_class(bool(errors), "-error")
        self.display = True


class EmptyList(Static):
    """Shown instead of the list when there is no server: why, and what to do about it."""

    def __init__(self, scrub: Callable[[str], str], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._scrub = scrub

    def show(self, loaded: LoadedConfig | None, *, servers_listed: bool) -> bool:
        """Show or hide this note; True when it is shown (the list then is not)."""
        if loaded is None or servers_listed:
            self.display = False
            return False
        if any(p.severity == "error" for p in loaded.all_problems()):
            self.update(
                "[b]No server could be read.[/b]\n\n"
                "Fix the configuration error shown above in your editor; the list reloads "
                "as soon as the file is saved.\n\n"
                "  • [b]mcpdeck doctor[/b] explains every problem\n"
                "  • [b]?[/b] lists every key"
            )
        else:
            self.update(
                markup(
                    "[b]No MCP servers configured yet.[/b]\n\n"
                    "mcpdeck reads the servers Codex uses from [b]$user[/b]\n"
                    "and from the project's [b]$project[/b].\n\n"
                    "  • press [b]a[/b] to add a server (a URL for a remote server, or a command)\n"
                    "  • or quit and run [b]mcpdeck demo[/b] to try every feature on a local demo world\n"
                    "  • [b]?[/b] lists every key",
                    self._scrub,
                    user=str(loaded.user_file),
                    project=str(loaded.project_file()),
                )
            )
        self.display = True
        return True
