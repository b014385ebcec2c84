"""Whatever the files contain, load_config returns a LoadedConfig and never raises."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcpdeck.config.lines import scan_key_lines, scan_structure
from mcpdeck.config.loader import load_config
from mcpdeck.config.model import LoadedConfig
from mcpdeck.config.serialize import server_to_codex_json, server_to_get_json
from mcpdeck.config.server_keys import COMMON_KEYS, HTTP_KEYS, STDIO_KEYS

SAMPLE = '''# sample
mcp_oauth_callback_port = 5000
[mcp_servers.docs]
url = "https://docs.example.com/mcp"   # comment
scopes = ["a", "b"]
[mcp_servers.docs.oauth]
client_id = "x"
[mcp_servers.tools]
command = "npx"
args = [
  "-y",
]
env = { K = "v" }
description = """multi
line"""
[projects."/p"]
trust_level = "trusted"
'''

TOML_CHARS = st.sampled_from([*"[]{}=\".,#'\n \t_-abcxyz019", "mcp_servers", '"""', "\\"])

scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    st.dates(),
)
keys = st.one_of(
    st.sampled_from(sorted(COMMON_KEYS | STDIO_KEYS | HTTP_KEYS | {"bearer_token", "oauth"})),
    st.text(min_size=1, max_size=8),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=4),
    ),
    max_leaves=12,
)
server_tables = st.dictionaries(keys, values, max_size=8)
documents = st.fixed_dictionaries(
    {"mcp_servers": st.dictionaries(st.text(min_size=1, max_size=10), server_tables, max_size=4)},
    optional={
        "mcp_oauth_credentials_store": values,
        "mcp_oauth_callback_port": values,
        "mcp_oauth_callback_url": values,
        "projects": values,
    },
)


def _load_with(user: str | bytes, project: str | bytes = "") -> LoadedConfig:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        home = root / "home"
        home.mkdir()
        project_dir = root / "proj"
        (project_dir / ".git").mkdir(parents=True)
        (project_dir / ".codex").mkdir()
        for path, content in (
            (home / "config.toml", user),
            (project_dir / ".codex" / "config.toml", project),
        ):
            if isinstance(content, str):
                path.write_text(content, encoding="utf-8", newline="")
            else:
                path.write_bytes(content)
        loaded = load_config(home, project_dir)
        # the serializers must cope with whatever was loaded, too
        for server in loaded.servers.values():
            server_to_codex_json(server)
            server_to_get_json(server)
            for problem in server.problems:
                problem.one_line()
        return loaded


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300), st.binary(max_size=100))
def test_random_text_and_bytes_never_raise(text: str, data: bytes) -> None:
    assert isinstance(_load_with(text, data), LoadedConfig)
    scan_key_lines(text)
    scan_structure(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_garbled_sample_never_raises(data: st.DataObject) -> None:
    text = SAMPLE
    for _ in range(data.draw(st.integers(min_value=1, max_value=6))):
        at = data.draw(st.integers(min_value=0, max_value=len(text)))
        if data.draw(st.booleans()):
            text = text[:at] + data.draw(TOML_CHARS) + text[at:]
        else:
            text = text[:at] + text[at + data.draw(st.integers(0, 10)) :]
    assert isinstance(_load_with(text, text), LoadedConfig)


def _dumps(document: dict[str, Any]) -> str | None:
    try:
        return tomlkit.dumps(document)
    except Exception:  # tomlkit cannot write every Python value (that is not under test)
        return None


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents, documents)
def test_random_values_in_server_tables_never_raise(
    user: dict[str, Any], project: dict[str, Any]
) -> None:
    user_text = _dumps(user)
    project_text = _dumps(project)
    if user_text is None or project_text is None:
        return
    loaded = _load_with(user_text, project_text)
    assert isinstance(loaded, LoadedConfig)
    for server in loaded.servers.values():
        # an invalid server always says why
        if not server.valid:
            assert server.inactive_reason
