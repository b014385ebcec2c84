"""One configuration layer as the loader holds it: its file, trust, parsed table and key lines.

The loader's stages (``toml_file`` reads, ``merge`` merges, ``requirements`` filters) pass
these between them; nothing outside ``mcpdeck.config`` sees one.
"""

from __future__ import annotations

from pathlib import Path

from mcpdeck.config.lines import KeyPath, line_of
from mcpdeck.config.model import Location
from mcpdeck.records import field, record

TYPE_CHECKING = False  # typing costs 3-4 ms of start-up: see mcpdeck/records.py
if TYPE_CHECKING:
    from typing import Any

    from mcpdeck.config.model import LayerName


@record
class Layer:
    layer: LayerName
    file: Path
    trusted: bool
    document: dict[str, Any] | None = None
    text: str | None = None
    lines: dict[KeyPath, int] = field(default_factory=dict)
    # one Location object per line: many keys share a line (inline tables)
    _locations: dict[int | None, Location] = field(default_factory=dict)

    def top_level_line(self, key: str) -> int | None:
        return self.lines.get((key,))

    def location(self, path: KeyPath) -> Location:
        line = line_of(self.lines, path)
        found = self._locations.get(line)
        if found is None:
            found = self._locations[line] = Location(self.file, line, self.layer)
        return found
