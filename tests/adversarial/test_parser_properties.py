"""Property tests for every parser that reads outside input: whatever a server, an
authorization server or a repository sends, the parser answers with a value or the project's
own error, quickly and in bounded memory (issue 12, "Tests")."""

from __future__ import annotations

import contextlib
import json
import math
import tomllib
import zlib
from pathlib import Path
from typing import Any

import httpx2
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mcpdeck.errors import McpdeckError
from mcpdeck.oauth.challenge import parse_www_authenticate
from mcpdeck.oauth.discovery import _check_endpoints, _valid_prm
from mcpdeck.oauth.errors import OAuthError
from mcpdeck.oauth.fetch import Fetched, _BoundedBody, is_loopback_host, require_secure
from mcpdeck.oauth.resource_urls import resource_matches
from mcpdeck.redact import for_display, sanitize

FAST = settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
url_like = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda scheme, host, path: f"{scheme}://{host}{path}",
        st.sampled_from(["http", "https", "HTTP", "ftp", ""]),
        st.text(alphabet="ab.]:[@%0123456789", max_size=20),
        st.text(alphabet="/ab.%[]?#", max_size=20),
    ),
)


# -- WWW-Authenticate -------------------------------------------------------------------------

header_text = st.text(alphabet=st.sampled_from(list('Bearer ,="\\=abc_-:/.\t\x00é')), max_size=200)


@FAST
@given(st.one_of(header_text, st.text(max_size=300)))
def test_www_authenticate_parser_never_raises(header: str) -> None:
    for challenge in parse_www_authenticate(header):
        assert isinstance(challenge.scheme, str)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in challenge.params.items())


# -- protected resource and authorization server metadata -------------------------------------


@FAST
@given(
    st.one_of(
        json_values,
        st.dictionaries(
            st.sampled_from(["resource", "authorization_servers", "scopes_supported"]),
            json_values,
            max_size=3,
        ),
    ),
    url_like,
)
@example(document={"resource": "0"}, server_url="A://[")  # urlsplit raised on the alias hint
def test_prm_validation_answers_with_a_document_or_a_discovery_error(
    document: Any, server_url: str
) -> None:
    fetched = Fetched(
        url="http://127.0.0.1:1/prm",
        status=200,
        headers=httpx2.Headers(),
        body=json.dumps(document, allow_nan=True).encode(),
        elapsed_ms=1.0,
    )
    try:
        prm = _valid_prm(fetched, server_url, from_url="header")
    except OAuthError:
        return
    assert isinstance(prm["resource"], str)


@FAST
@given(url_like, url_like)
def test_resource_matching_never_raises(resource: str, server_url: str) -> None:
    assert resource_matches(resource, server_url) in (True, False)


@FAST
@given(
    st.dictionaries(
        st.sampled_from(
            ["authorization_endpoint", "token_endpoint", "registration_endpoint", "issuer"]
        ),
        st.one_of(url_like, json_values),
        max_size=4,
    )
)
def test_as_metadata_checks_answer_with_an_oauth_error_or_nothing(meta: dict[str, Any]) -> None:
    with contextlib.suppress(OAuthError):
        _check_endpoints(meta)


@FAST
@given(url_like)
def test_endpoint_security_check_never_raises_anything_else(url: str) -> None:
    with contextlib.suppress(OAuthError):
        require_secure(url, "endpoint")


@FAST
@given(st.text(max_size=40))
def test_loopback_is_decided_without_resolution(host: str) -> None:
    assert is_loopback_host(host) in (True, False)


# -- response bodies (content encoding under the size limit) -----------------------------------


@FAST
@given(
    st.sampled_from(["", "gzip", "deflate", "identity", "br", "gzip, gzip", "x-gzip"]),
    st.binary(max_size=3000),
    st.integers(min_value=0, max_value=5000),
    st.booleans(),
)
def test_body_reader_stays_within_its_limit(
    encoding: str, payload: bytes, limit: int, compress: bool
) -> None:
    if compress and encoding in ("gzip", "x-gzip"):
        raw = zlib.compress(payload, wbits=zlib.MAX_WBITS | 16)
    elif compress and encoding == "deflate":
        raw = zlib.compress(payload)
    else:
        raw = payload
    try:
        reader = _BoundedBody(encoding, limit, "http://x")
    except OAuthError:
        return
    for i in range(0, len(raw), 512):
        if not reader.feed(raw[i : i + 512]):
            break
    body, too_large = reader.result()
    assert len(body) <= limit
    if compress and not too_large and encoding in ("gzip", "x-gzip", "deflate"):
        assert body == payload


# -- token responses ---------------------------------------------------------------------------


@FAST
@given(
    st.dictionaries(
        st.sampled_from(
            ["access_token", "token_type", "expires_in", "refresh_token", "scope", "id_token"]
        ),
        json_values,
        max_size=6,
    )
)
def test_token_responses_parse_or_fail_with_a_token_error(data: dict[str, Any]) -> None:
    from mcpdeck.oauth.tokens import _parse

    try:
        parsed = _parse(data)
    except OAuthError:
        return
    assert isinstance(parsed.access_token, str) and parsed.access_token
    assert parsed.expires_at is None or math.isfinite(parsed.expires_at)


# -- config files ------------------------------------------------------------------------------

toml_keys = st.sampled_from(
    [
        "url",
        "command",
        "args",
        "env",
        "enabled",
        "startup_timeout_sec",
        "tool_timeout_sec",
        "bearer_token_env_var",
        "http_headers",
        "scopes",
        "oauth",
        "enabled_tools",
        "cwd",
    ]
)
toml_values = st.recursive(
    st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)


def _toml(value: Any) -> str:
    import tomlkit

    return tomlkit.item(value).as_string()


@settings(
    max_examples=150,
    deadline=5000,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.dictionaries(
        st.text(min_size=1, max_size=10),
        st.dictionaries(toml_keys, toml_values, max_size=5),
        max_size=3,
    ),
)
def test_config_loader_and_editor_answer_with_config_or_a_config_error(
    tmp_path_factory: Any, servers: dict[str, dict[str, Any]]
) -> None:
    from mcpdeck.config.edit import add_server
    from mcpdeck.config.loader import load_config

    home = tmp_path_factory.mktemp("home")
    lines = ['mcp_oauth_credentials_store = "file"', "nan_elsewhere = nan"]
    for name, table in servers.items():
        lines.append(f"[mcp_servers.{_toml(name)}]")
        lines += [f"{k} = {_toml(v)}" for k, v in table.items()]
    text = "\n".join(lines) + "\n"
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return  # duplicate keys and the like: the loader's syntax path is tested elsewhere
    (home / "config.toml").write_text(text)
    loaded = load_config(home, Path(home))
    for server in loaded.servers.values():
        for problem in server.problems:
            assert isinstance(problem.one_line(), str)
    try:
        add_server(home / "config.toml", "added", {"url": "https://added.example.com/mcp"})
    except McpdeckError:
        return
    assert "added" in load_config(home, Path(home)).servers


# -- the display boundary -----------------------------------------------------------------------


@FAST
@given(st.text())
def test_sanitized_text_carries_no_control_or_bidi_character(text: str) -> None:
    shown = for_display(text)
    for ch in shown:
        code = ord(ch)
        assert ch in "\n\t" or not (code < 0x20 or 0x7F <= code <= 0x9F)
        assert not (0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069)
    assert sanitize(shown) == shown  # already safe text passes unchanged
