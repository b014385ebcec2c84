#!/usr/bin/env python3
"""A "browser" for the compatibility matrix, named in BROWSER: GET the authorization URL,
follow redirects, and when a page shows one sign-in form, submit it with its filled-in values
(the MCP Python SDK's ``simple-auth`` example asks for demo credentials this way). The last
redirect reaches mcpdeck's real loopback callback listener.
"""

from __future__ import annotations

import sys
import urllib.parse
import urllib.request
from html.parser import HTMLParser


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.method = "get"
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and self.action is None:
            self.action = a.get("action", "")
            self.method = a.get("method", "get").lower()
        elif tag == "input" and self.action is not None and a.get("name"):
            self.fields[a["name"]] = a.get("value", "")


def main() -> int:
    url = sys.argv[-1]
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor()
    )
    data: bytes | None = None
    for _ in range(5):  # at most a few forms in a row
        try:
            with opener.open(url, data=data, timeout=20) as response:
                page = response.read().decode("utf-8", "replace")
                final = response.geturl()
        except Exception:  # an error page at the callback still delivered the response
            return 0
        form = _Form()
        form.feed(page)
        if form.action is None:
            return 0
        url = urllib.parse.urljoin(final, form.action)
        encoded = urllib.parse.urlencode(form.fields)
        if form.method == "post":
            data = encoded.encode()
        else:
            url, data = f"{url}?{encoded}", None
    return 1


if __name__ == "__main__":
    sys.exit(main())
