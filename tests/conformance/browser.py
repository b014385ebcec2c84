#!/usr/bin/env python3
"""A "browser" for tests, named in BROWSER: GET the URL and follow redirects to the callback.

The mock authorization servers answer /authorize with a redirect at once, so following it
delivers the code to mcpdeck's real loopback callback listener.
"""

from __future__ import annotations

import sys
import urllib.request


def main() -> int:
    url = sys.argv[-1]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=20) as response:
            response.read()
    except Exception:  # an error page at the callback still delivered the response
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
