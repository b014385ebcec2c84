"""Messages workers post; handlers on screens own every state change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from mcpdeck.tui.model import RefreshOutcome

if TYPE_CHECKING:
    from mcpdeck.config.model import LoadedConfig
    from mcpdeck.oauth.trace import FlowEvent


class ConfigLoaded(Message):
    def __init__(
        self, loaded: LoadedConfig, *, initial: bool = False, announce: bool = False
    ) -> None:
        super().__init__()
        self.loaded = loaded
        self.initial = initial  # first load: probe every server
        self.announce = announce  # changed on disk behind our back: say so


class ProbesPending(Message):
    """Results wait in the screen's batch: one message per batch, not one per result."""

    bubble = False  # the screen owns the batch; nothing above it needs to hear about it


class RefreshDone(Message):
    def __init__(self, outcome: RefreshOutcome) -> None:
        super().__init__()
        self.outcome = outcome


class ToolCountKnown(Message):
    def __init__(self, name: str, count: int) -> None:
        super().__init__()
        self.name = name
        self.count = count


class FlowEventArrived(Message):
    def __init__(self, event: FlowEvent) -> None:
        super().__init__()
        self.event = event
