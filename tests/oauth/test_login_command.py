"""`mcpdeck add --url` follow-up: log in only when the server advertises OAuth."""

from __future__ import annotations

import argparse
from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from mcpdeck.commands.login import login_after_add
from tests.loopback import serve
from tests.oauth.conftest import http_server, loaded_with


def _open_app() -> Starlette:
    async def mcp(request):  # type: ignore[no-untyped-def]
        return JSONResponse({"jsonrpc": "2.0", "id": 0, "result": {}})

    return Starlette(routes=[Route("/mcp", mcp, methods=["POST"])])


def test_add_of_a_server_without_oauth_notes_it_was_added_without_login(
    tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    with serve(_open_app()) as base:
        server = http_server("open", base + "/mcp")
        args = argparse.Namespace(no_login=False, no_browser=True, scopes=None)
        assert login_after_add(args, loaded_with(tmp_path, server), server) == 0
    out = capsys.readouterr().out
    assert "'open' does not advertise OAuth; added without login" in out


def test_add_with_no_login_does_not_touch_the_network(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    server = http_server("later", "http://127.0.0.1:9/mcp")
    args = argparse.Namespace(no_login=True, no_browser=True, scopes=None)
    assert login_after_add(args, loaded_with(tmp_path, server), server) == 0
    assert capsys.readouterr().out == ""
