"""mcpdeck's own settings file (not Codex's config): today, the keys of the full-screen manager.

``$MCPDECK_SETTINGS``, else ``$XDG_CONFIG_HOME/mcpdeck/settings.toml``, else
``~/.config/mcpdeck/settings.toml``::

    [keys]
    "main.login" = "L"             # binding id = key, or several keys: "L,ctrl+l"
    "main.diagnose" = "enter,v"

The binding ids are those of the TUI's bindings (``?`` lists them); unknown ids and wrong
values are reported, one line each with file:line, and the rest still applies.
No Textual here: the TUI hands the ids it knows and applies the result.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import tomli

# A key as Textual names it: "l", "L", "ctrl+l", "f1", "question_mark", "enter", "shift+tab".
KEY_RE = re.compile(r"^(?:(?:ctrl|shift|alt|super|meta)\+)*[A-Za-z0-9_]+$|^[!-~]$")
MAX_SETTINGS_BYTES = 64 * 1024


@dataclass
class UiSettings:
    file: Path
    keymap: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def settings_path(env: Mapping[str, str], home: Path) -> Path:
    explicit = env.get("MCPDECK_SETTINGS")
    if explicit:
        return Path(explicit).expanduser()
    base = env.get("XDG_CONFIG_HOME")
    root = Path(base).expanduser() if base else home / ".config"
    return root / "mcpdeck" / "settings.toml"


def _line_of(text: str, key: str) -> int | None:
    pattern = re.compile(r'^\s*["\']?' + re.escape(key) + r'["\']?\s*=', re.MULTILINE)
    found = pattern.search(text)
    return text.count("\n", 0, found.start()) + 1 if found else None


def load_ui_settings(file: Path, known_ids: Collection[str]) -> UiSettings:
    """Read the settings file; a missing file is no settings, never an error."""
    out = UiSettings(file)
    try:
        raw = file.read_bytes()[: MAX_SETTINGS_BYTES + 1]
    except FileNotFoundError:
        return out
    except OSError as exc:
        out.problems.append(f"{file}: cannot read it ({exc.strerror}); default keys apply")
        return out
    if len(raw) > MAX_SETTINGS_BYTES:
        out.problems.append(f"{file}: larger than 64 KiB; default keys apply")
        return out
    text = raw.decode("utf-8", errors="replace")
    try:
        document = tomli.loads(text)
    except tomli.TOMLDecodeError as exc:
        out.problems.append(f"{file}: not valid TOML ({exc}); default keys apply")
        return out
    except RecursionError:  # arrays or tables nested deeper than the interpreter's stack
        out.problems.append(f"{file}: nested too deeply to read; default keys apply")
        return out
    keys = document.get("keys", {})
    if not isinstance(keys, dict):
        out.problems.append(f"{file}: [keys] must be a table of binding id = key")
        return out
    for binding_id, value in keys.items():
        line = _line_of(text, binding_id)
        where = f"{file}:{line}" if line else str(file)
        if binding_id not in known_ids:
            out.problems.append(
                f"{where}: keys.{binding_id}: no such binding (press ? in mcpdeck for the list)"
            )
            continue
        if not isinstance(value, str) or not value.strip():
            out.problems.append(f'{where}: keys.{binding_id}: give a key as a string, e.g. "L"')
            continue
        wanted = [k.strip() for k in value.split(",") if k.strip()]
        bad = [k for k in wanted if not KEY_RE.match(k)]
        if bad:
            out.problems.append(f"{where}: keys.{binding_id}: {bad[0]!r} is not a key name")
            continue
        out.keymap[binding_id] = ",".join(wanted)
    return out
