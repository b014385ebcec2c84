"""Property tests for the two ways an authorization response comes back: the browser's request
to the loopback listener, and a redirected URL the user pastes (``login --no-browser``).

Whatever characters the authorization server puts in ``code`` and ``state``, the listener
hands over exactly that code for exactly that state; whatever text is pasted, the answer is a
target on this login's redirect URI or a CallbackError, never another exception; whatever
callback URL the config names, the listener gets a place to listen or a CallbackError.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import parse_qs, quote, quote_plus, urlencode, urlsplit

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcpdeck.oauth.callback import CallbackListener, listen_spec
from mcpdeck.oauth.errors import CallbackError
from mcpdeck.oauth.paste import pasted_target

REDIRECT = "http://127.0.0.1:5555/callback"
ISSUER = "http://127.0.0.1:9/as"
FAST = settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
# Each example starts a listener and makes a real request: fewer of them.
NETWORK = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Any text a server may send: '&', '=', '#', '%', '+', spaces, quotes, non-ASCII. Lone
# surrogates cannot be percent-encoded as UTF-8, so no server can send them.
values = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)
quoting = st.sampled_from([quote, quote_plus])
padding = st.sampled_from(["", " ", "\n", "\t ", " \r\n"])


def _query(quote_via: Callable[..., str], **params: str) -> str:
    return urlencode(params, quote_via=quote_via)


@FAST
@given(code=values, state=values, quote_via=quoting, pad=padding, upper=st.booleans())
def test_a_pasted_redirect_hands_over_any_code_and_state_unchanged(
    code: str, state: str, quote_via: Callable[..., str], pad: str, upper: bool
) -> None:
    redirect = "HTTP://LOCALHOST:5555/callback" if upper else "http://localhost:5555/callback"
    pasted = f"{pad}{redirect}?{_query(quote_via, code=code, state=state)}{pad}"
    target = urlsplit(pasted_target(pasted, "http://localhost:5555/callback"))
    assert target.path == "/callback"
    assert parse_qs(target.query, keep_blank_values=True) == {"code": [code], "state": [state]}


@FAST
@given(tenant=values, code=values, state=values, quote_via=quoting)
def test_the_redirect_uri_s_own_parameters_survive_any_encoding(
    tenant: str, code: str, state: str, quote_via: Callable[..., str]
) -> None:
    redirect = f"https://dev.example.com/cb?{_query(quote, tenant=tenant)}"
    pasted = f"{redirect}&{_query(quote_via, code=code, state=state)}"
    target = urlsplit(pasted_target(pasted, redirect))
    assert parse_qs(target.query, keep_blank_values=True) == {
        "tenant": [tenant],
        "code": [code],
        "state": [state],
    }


_pieces = st.text(alphabet="ab=&?#@:/%[]+ 0c5.", max_size=12)
pasted_like = st.one_of(
    st.text(max_size=300),
    # Near misses of the redirect URI: right or wrong scheme, host, port, path, parameters.
    st.builds(
        lambda scheme, host, path, query, tail: f"{scheme}://{host}{path}?{query}{tail}",
        st.sampled_from(["http", "HTTP", "https", "ftp", ""]),
        st.sampled_from(["127.0.0.1:5555", "127.0.0.1:5556", "127.0.0.1", "u:p@127.0.0.1:5555"])
        | _pieces,
        st.sampled_from(["/callback", "/callback/", "/other", ""]) | _pieces,
        st.lists(
            st.sampled_from(["code=c", "state=s", "error=e", "state=", "code=", "iss=i"]) | _pieces,
            max_size=5,
        ).map("&".join),
        st.sampled_from(["", "#frag", " "]) | _pieces,
    ),
)


@FAST
@given(pasted_like)
def test_any_pasted_text_gives_a_target_of_this_login_or_a_callback_error(text: str) -> None:
    try:
        target = pasted_target(text, REDIRECT)
    except CallbackError:
        return
    parts = urlsplit(target)
    assert parts.path == "/callback" and not parts.fragment
    query = parse_qs(parts.query, keep_blank_values=True)
    assert all(len(v) == 1 for v in query.values()), "no parameter twice"
    assert query.get("state", [""])[0], "a state"
    assert not ("code" in query and "error" in query)


callback_like = st.one_of(
    st.text(max_size=200),
    # Near misses of a callback URL: brackets (IPv6), ports out of range or not numbers.
    st.builds(
        lambda scheme, host, port, path: f"{scheme}://{host}{port}{path}",
        st.sampled_from(["http", "https", "HTTP", ""]),
        st.sampled_from(["127.0.0.1", "localhost", "[::1]", "[", "]", "[::1", "a.localhost"])
        | _pieces,
        st.sampled_from(["", ":0", ":8080", ":65535", ":65536", ":99999", ":-1", ":x"])
        | st.integers(-(10**6), 10**6).map(lambda n: f":{n}"),
        st.sampled_from(["", "/", "/callback", "/cb?x=1"]) | _pieces,
    ),
)


@FAST
@given(url=callback_like, port=st.none() | st.integers(0, 65535))
def test_any_callback_url_gives_a_place_to_listen_or_a_callback_error(
    url: str, port: int | None
) -> None:
    try:
        spec = listen_spec(url, port)
    except CallbackError as err:
        assert "\n" not in err.one_line()
        return
    assert spec.host in ("127.0.0.1", "0.0.0.0")
    assert 0 <= spec.port <= 65535
    if port:
        assert spec.port == port, "the configured port wins"


def test_an_unparseable_callback_url_is_a_callback_error_saying_so() -> None:
    with pytest.raises(CallbackError, match=r"callback URL 'http://\[' is not a valid URL"):
        listen_spec("http://[", None)
    with pytest.raises(CallbackError, match="Port out of range"):
        listen_spec("http://localhost:99999/cb", None)


async def _hand_back(code: str, state: str, other_state: str, pasted: bool) -> None:
    async with CallbackListener(listen_spec(None, None)) as listener:
        listener.expect(state, issuer=ISSUER, iss_required=False)
        waiter = asyncio.create_task(listener.wait(10))
        async with httpx2.AsyncClient(trust_env=False) as client:
            if other_state != state:
                # Another login's response: discarded, and this login keeps waiting.
                stray = listener.redirect_uri + "?" + _query(quote, code=code, state=other_state)
                assert (await client.get(stray)).status_code == 400
                await asyncio.sleep(0)
                assert not waiter.done()
            url = listener.redirect_uri + "?" + _query(quote, code=code, state=state)
            if pasted:
                listener.accept_pasted(url)
            else:
                assert (await client.get(url)).status_code == 200
        result = await waiter
        assert (result.code, result.iss) == (code, None)


@NETWORK
@given(code=values, state=values, other_state=values, pasted=st.booleans())
def test_the_listener_hands_over_exactly_the_code_sent_with_its_state(
    code: str, state: str, other_state: str, pasted: bool
) -> None:
    asyncio.run(_hand_back(code, state, other_state, pasted))
