from __future__ import annotations

from pathlib import Path

from mcpdeck.config.loader import load_config
from mcpdeck.config.model import ServerConfig
from mcpdeck.config.serialize import server_to_codex_json, server_to_get_json, source_json
from mcpdeck.redact import MASK
from tests.config.layout import make_layout, write


def test_codex_shape_null_vs_empty_and_masking(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    write(
        layout.user_file,
        """
        [mcp_servers.a]
        command = "x"
        [mcp_servers.b]
        command = "x"
        env = {}
        [mcp_servers.c]
        url = "https://c.example"
        http_headers = { Authorization = "Bearer sekrit-token", "X-Id" = "sekrit-id" }
        tool_timeout_sec = 60
        """,
    )
    servers = load_config(layout.home, layout.sub).servers
    a = server_to_codex_json(servers["a"])
    assert a == {
        "name": "a",
        "enabled": True,
        "disabled_reason": None,
        "transport": {
            "type": "stdio",
            "command": "x",
            "args": [],
            "env": None,
            "env_vars": [],
            "cwd": None,
        },
        "startup_timeout_sec": None,
        "tool_timeout_sec": None,
    }
    assert server_to_codex_json(servers["b"])["transport"]["env"] == {}
    c = server_to_codex_json(servers["c"])
    assert c["transport"]["http_headers"] == {"Authorization": MASK, "X-Id": MASK}
    assert "sekrit" not in repr(server_to_get_json(servers["c"]))
    # written explicitly, even when equal to the default: Codex prints it
    assert c["tool_timeout_sec"] == 60.0
    assert source_json(servers["c"]) == {
        "layer": "user",
        "file": str(layout.user_file),
        "trusted": True,
        "line": 6,
    }


def test_servers_built_in_code_print_their_values() -> None:
    server = ServerConfig(name="demo", transport="streamable_http", url="http://127.0.0.1:1/mcp")
    server.startup_timeout_sec = 3.0
    out = server_to_codex_json(server)
    assert out["startup_timeout_sec"] == 3.0 and out["tool_timeout_sec"] is None
    assert source_json(server) is None


def test_invalid_server_has_no_transport_object(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    write(layout.user_file, "[mcp_servers.bad]\nenabled = true\n")
    out = server_to_codex_json(load_config(layout.home, layout.sub).servers["bad"])
    assert out["transport"] is None
    assert out["disabled_reason"].startswith("invalid: invalid transport")
