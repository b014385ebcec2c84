"""The doctor reads a server's refusal through the one WWW-Authenticate parser: parameters are
told apart however their values are written (servers on 127.0.0.1 answer with the exact header)."""

from __future__ import annotations

from pathlib import Path

from mcpdeck.diagnostics.doctor import diagnose
from mcpdeck.diagnostics.edits import SetKey
from mcpdeck.diagnostics.report import ServerReport
from tests.diagnostics.helpers import store_record, write_config
from tests.oauth.memstore import MemoryStore
from tests.servers.http_servers import refusing_app, serve

# A description that mentions a scope, before the real scope parameter (unquoted): a regex for
# `scope=` takes "admin" from inside the description.
SCOPE_IN_DESCRIPTION = (
    'Bearer error="insufficient_scope", error_description="missing scope=admin", scope=files:read'
)


async def _doctor(tmp_path: Path, status: int, header: str) -> ServerReport:
    with serve(refusing_app(status, header)) as base:
        loaded = write_config(tmp_path, f'[mcp_servers.o]\nurl = "{base}/mcp"\n')
        return await diagnose(loaded.servers["o"], loaded, MemoryStore(), timeout=5)


async def test_the_scope_parameter_not_the_words_of_the_description(tmp_path: Path) -> None:
    report = await _doctor(tmp_path, 403, SCOPE_IN_DESCRIPTION)
    (f,) = [f for f in report.findings if f.id == "insufficient_scope"]
    assert f.message.endswith("insufficient scope (needs files:read)")
    assert f.edit == SetKey(str(tmp_path / "config.toml"), "o", "scopes", ["files:read"])


async def test_insufficient_scope_named_only_in_the_description_is_not_a_scope_refusal(
    tmp_path: Path,
) -> None:
    header = 'Bearer error="invalid_token", error_description="not an insufficient_scope case"'
    report = await _doctor(tmp_path, 403, header)
    assert "insufficient_scope" not in {f.id for f in report.findings}
    assert "session_failed" in {f.id for f in report.findings}


async def test_the_servers_own_words_with_an_escaped_quote(tmp_path: Path) -> None:
    header = (
        'Bearer error="invalid_token", '
        'error_description="the grant \\"files\\" was revoked, ask again", scope="files:read"'
    )
    store = MemoryStore()
    with serve(refusing_app(401, header)) as base:
        loaded = write_config(tmp_path, f'[mcp_servers.o]\nurl = "{base}/mcp"\n')
        store_record(store, loaded, "o", base + "/mcp", "revoked-token-8a7f6e5d")
        report = await diagnose(loaded.servers["o"], loaded, store, timeout=5)
    (f,) = [f for f in report.findings if f.id == "token_revoked"]
    assert f.message.endswith('(the server says: the grant "files" was revoked, ask again)')
