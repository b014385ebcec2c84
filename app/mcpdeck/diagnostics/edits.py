"""The config edits a finding proposes, as typed values: what the doctor produces, the TUI and
``mcpdeck doctor`` describe, and :func:`mcpdeck.diagnostics.fixes.apply_edit` applies.

``to_json`` gives the dict ``mcpdeck doctor --json`` has always printed for each (an ``op`` key
and the fields, in this order), so the JSON contract does not depend on these classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import tomlkit


@dataclass(frozen=True)
class SetKey:
    """``mcp_servers.SERVER.KEY = value`` in ``file`` (dotted keys reach ``oauth.*``).

    ``needs_value`` (what to ask for, in words) marks an edit whose value the user must supply:
    ``value`` is None then, and the edit is shown but not applied.
    """

    file: str
    server: str
    key: str
    value: Any
    needs_value: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = {
            "op": "set",
            "file": self.file,
            "server": self.server,
            "key": self.key,
            "value": self.value,
        }
        if self.needs_value is not None:
            out["needs_value"] = self.needs_value
        return out


@dataclass(frozen=True)
class UnsetKey:
    """Remove ``mcp_servers.SERVER.KEY`` from ``file`` (sub-tables left empty go too)."""

    file: str
    server: str
    key: str

    def to_json(self) -> dict[str, Any]:
        return {"op": "unset", "file": self.file, "server": self.server, "key": self.key}


@dataclass(frozen=True)
class TrustProject:
    """``[projects."<project>"] trust_level = "trusted"`` in the user config ``file``."""

    file: str
    project: str

    def to_json(self) -> dict[str, Any]:
        return {"op": "trust_project", "file": self.file, "project": self.project}


ConfigEdit = SetKey | UnsetKey | TrustProject


def describe_edit(edit: ConfigEdit) -> str:
    """The edit in words, for a confirmation prompt and the doctor's report."""
    match edit:
        case SetKey():
            shown = tomlkit.item(edit.value).as_string() if edit.value is not None else "…"
            return f"set {edit.key} = {shown} in [mcp_servers.{edit.server}] of {edit.file}"
        case UnsetKey():
            return f"remove {edit.key} from [mcp_servers.{edit.server}] of {edit.file}"
        case TrustProject():
            return f"mark {edit.project} trusted in {edit.file}"


__all__ = ["ConfigEdit", "SetKey", "TrustProject", "UnsetKey", "describe_edit"]
