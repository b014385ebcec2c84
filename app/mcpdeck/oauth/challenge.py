"""WWW-Authenticate parsing (RFC 9110 §11.6.1): every challenge of a header, the Bearer one
and its RFC 6750 / RFC 9728 parameters. Pure stdlib: the status probe, sessions and the
diagnostics all read challenges through this one parser."""

from __future__ import annotations

from mcpdeck.records import field, record


@record
class Challenge:
    """One challenge of a WWW-Authenticate header (RFC 9110 §11.6.1)."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)
    token68: str | None = None

    @property
    def is_bearer(self) -> bool:
        return self.scheme.lower() == "bearer"

    @property
    def resource_metadata(self) -> str | None:
        return self.params.get("resource_metadata") or None

    @property
    def scope(self) -> str | None:
        return self.params.get("scope") or None

    @property
    def scopes(self) -> list[str]:
        return (self.scope or "").split()

    @property
    def error(self) -> str | None:
        return self.params.get("error") or None

    @property
    def error_description(self) -> str | None:
        return self.params.get("error_description") or None


_TCHAR = set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_TOKEN68 = _TCHAR | set("/=")


def parse_www_authenticate(header: str) -> list[Challenge]:
    """All challenges of a header value; tolerant of sloppy servers, never raises."""
    s = header or ""
    i, n = 0, len(s)
    out: list[Challenge] = []

    def skip_ws(j: int) -> int:
        while j < n and s[j] in " \t":
            j += 1
        return j

    def read_token(j: int) -> tuple[str, int]:
        k = j
        while k < n and s[k] in _TCHAR:
            k += 1
        return s[j:k], k

    def read_value(j: int) -> tuple[str, int]:
        if j < n and s[j] == '"':
            j += 1
            buf: list[str] = []
            while j < n and s[j] != '"':
                if s[j] == "\\" and j + 1 < n:
                    j += 1
                buf.append(s[j])
                j += 1
            return "".join(buf), min(j + 1, n)
        k = j
        while k < n and s[k] not in ", \t":
            k += 1
        return s[j:k], k

    current: Challenge | None = None
    while i < n:
        i = skip_ws(i)
        if i < n and s[i] == ",":
            i += 1
            continue
        if i >= n:
            break
        token, j = read_token(i)
        if not token:
            i += 1  # garbage character: skip it
            continue
        k = skip_ws(j)
        if current is not None and k < n and s[k] == "=" and not _is_token68_end(s, j):
            value, i = read_value(skip_ws(k + 1))
            current.params.setdefault(token.lower(), value)
            continue
        # A new challenge: scheme, then maybe a token68.
        current = Challenge(scheme=token)
        out.append(current)
        i = skip_ws(j)
        if i < n and s[i] != ",":
            _, tok_end = read_token(i)
            if _looks_like_param(s, i) and not _is_token68_end(s, tok_end):
                continue  # "Bearer realm=x": parameters follow
            t68_end = i
            while t68_end < n and s[t68_end] in _TOKEN68:
                t68_end += 1
            after = skip_ws(t68_end)
            if t68_end > i and (after >= n or s[after] == ","):
                current.token68 = s[i:t68_end]
                i = after
    return out


def _is_token68_end(s: str, j: int) -> bool:
    """True when s[j:] is only '=' padding up to a comma or the end ("abc==")."""
    k = j
    while k < len(s) and s[k] == "=":
        k += 1
    if k - j < 2:
        return False
    while k < len(s) and s[k] in " \t":
        k += 1
    return k >= len(s) or s[k] == ","


def _looks_like_param(s: str, j: int) -> bool:
    k = j
    while k < len(s) and s[k] in _TCHAR:
        k += 1
    while k < len(s) and s[k] in " \t":
        k += 1
    return k < len(s) and s[k] == "="


def bearer_challenge(header: str | None) -> Challenge | None:
    """The Bearer challenge of a header, if any."""
    for challenge in parse_www_authenticate(header or ""):
        if challenge.is_bearer:
            return challenge
    return None
