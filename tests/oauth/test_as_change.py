"""The authorization server changes (issue 13, item 7): the PRM no longer names the AS the
credentials came from. The doctor says so before anything is sent; a new login registers
with the new AS and never presents the old client id or tokens to it."""

from __future__ import annotations

from pathlib import Path

from mcpdeck.diagnostics.doctor import diagnose
from mcpdeck.oauth.flow import login
from mcpdeck.oauth.trace import FlowTrace
from tests.oauth.conftest import http_server, key_for, loaded_with
from tests.oauth.memstore import MemoryStore
from tests.oauth.servers import follow_redirects, world


async def test_a_new_authorization_server_gets_a_new_registration_and_nothing_old(
    tmp_path: Path,
) -> None:
    store = MemoryStore()
    with world() as old_as, world() as new_as:
        server = http_server("docs", old_as.mcp_url)
        loaded = loaded_with(tmp_path, server)
        first = await login(
            server, loaded, store, trace=FlowTrace(), browser=follow_redirects, timeout=10
        )
        assert first.issuer == old_as.issuer

        # The resource server now trusts another authorization server.
        old_as.options.prm_authorization_servers = [new_as.issuer]
        report = await diagnose(server, loaded, store)
        changed = [f for f in report.findings if f.id == "authorization_server_changed"]
        assert changed and new_as.issuer in changed[0].message
        assert report.status == "auth_required"

        second = await login(
            server, loaded, store, trace=FlowTrace(), browser=follow_redirects, timeout=10
        )

    assert second.issuer == new_as.issuer and second.client_id != first.client_id
    assert len(new_as.recorded.registrations) == 1
    assert store.load(key_for(loaded, server)).issuer == new_as.issuer
    assert set(store.registrations) == {old_as.issuer, new_as.issuer}
    sent_to_new = [
        v for pairs in new_as.recorded.authorize + new_as.recorded.token for _, v in pairs
    ]
    sent_to_new += [h.get("authorization", "") for h in new_as.recorded.token_headers]
    for secret in (first.client_id, first.access_token, first.refresh_token):
        assert secret and not any(secret in value for value in sent_to_new)
