"""The loopback callback listener: only its path, exact state, single use, timeout, cancel."""

from __future__ import annotations

import asyncio

import httpx2
import pytest

from mcpdeck.oauth.callback import CallbackListener, listen_spec
from mcpdeck.oauth.errors import CallbackError

ISSUER = "http://127.0.0.1:9/as"


async def _get(url: str) -> httpx2.Response:
    async with httpx2.AsyncClient(trust_env=False) as client:
        return await client.get(url)


async def _listener(iss_required: bool = False) -> CallbackListener:
    listener = CallbackListener(listen_spec(None, None))
    await listener.start()
    listener.expect("the-state", issuer=ISSUER, iss_required=iss_required)
    return listener


async def test_default_redirect_uri_is_loopback_callback_on_ephemeral_port() -> None:
    listener = await _listener()
    try:
        assert listener.redirect_uri == f"http://127.0.0.1:{listener.port}/callback"
    finally:
        await listener.close()


async def test_state_mismatch_is_discarded_and_the_flow_keeps_waiting() -> None:
    listener = await _listener()
    try:
        waiter = asyncio.create_task(listener.wait(10))
        bad = await _get(listener.redirect_uri + "?code=abc&state=other")
        assert bad.status_code == 400 and "state mismatch" in bad.text
        missing = await _get(listener.redirect_uri + "?code=abc")
        assert missing.status_code == 400
        assert not waiter.done()
        good = await _get(listener.redirect_uri + "?code=the-code&state=the-state")
        assert good.status_code == 200
        assert "Authentication complete. You may close this window." in good.text
        assert "the-code" not in good.text
        assert (await waiter).code == "the-code"
    finally:
        await listener.close()


async def test_wrong_callback_path_gets_404() -> None:
    listener = await _listener()
    try:
        base = listener.redirect_uri.rsplit("/", 1)[0]
        response = await _get(base + "/other?code=x&state=the-state")
        assert response.status_code == 404
        response = await _get(base + "/?code=x&state=the-state")
        assert response.status_code == 404
    finally:
        await listener.close()


async def test_replayed_and_second_callbacks_are_rejected() -> None:
    listener = await _listener()
    try:
        url = listener.redirect_uri + "?code=first&state=the-state"
        assert (await _get(url)).status_code == 200
        replay = await _get(url)
        assert replay.status_code == 400 and "already used" in replay.text
        second = await _get(listener.redirect_uri + "?code=second&state=the-state")
        assert second.status_code == 400
        assert (await listener.wait(1)).code == "first"
    finally:
        await listener.close()


async def test_timeout_says_how_long_and_what_to_do() -> None:
    listener = await _listener()
    try:
        with pytest.raises(CallbackError) as info:
            await listener.wait(0.2, server_name="docs")
        assert "timed out waiting for the OAuth callback after 0.2 s" in info.value.message
        assert "mcpdeck login docs" in info.value.message
    finally:
        await listener.close()


async def test_error_in_the_callback_ends_the_flow_and_is_shown() -> None:
    listener = await _listener()
    try:
        page = await _get(
            listener.redirect_uri
            + "?error=access_denied&error_description=no+thanks&state=the-state"
        )
        assert page.status_code == 400 and "access_denied: no thanks" in page.text
        with pytest.raises(CallbackError, match="access_denied: no thanks"):
            await listener.wait(1)
    finally:
        await listener.close()


async def test_cancelling_the_wait_and_closing_frees_the_port() -> None:
    listener = await _listener()
    port = listener.port
    waiter = asyncio.create_task(listener.wait(30))
    await asyncio.sleep(0.05)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    await listener.close()
    with pytest.raises(httpx2.ConnectError):
        await _get(f"http://127.0.0.1:{port}/callback")


def test_callback_settings_choose_host_port_and_redirect_uri() -> None:
    spec = listen_spec(None, 8123)
    assert (spec.host, spec.port, spec.path) == ("127.0.0.1", 8123, "/callback")
    remote = listen_spec("https://devbox.example.com/oauth/cb", 8443)
    assert remote.host == "0.0.0.0" and remote.port == 8443
    assert (
        remote.redirect_uri == "https://devbox.example.com/oauth/cb" and remote.path == "/oauth/cb"
    )
    local = listen_spec("http://localhost:9911/cb", None)
    assert (local.host, local.port, local.redirect_uri) == (
        "127.0.0.1",
        9911,
        "http://localhost:9911/cb",
    )
