"""`login --no-browser` accepts the redirected callback URL pasted on stdin, as Codex does.

The "browser" here runs the authorization on another machine's behalf: it follows the real
authorization server's redirects but never reaches mcpdeck's listener; the user pastes the
final URL instead.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx2 as httpx

from mcpdeck.demo.world import DemoWorld
from tests.integration.helpers import cli


def _start(demo_world: DemoWorld, home: Path) -> subprocess.Popen[str]:
    env = {**os.environ, **demo_world.env, "CODEX_HOME": str(home), "COLUMNS": "4000"}
    env.pop("MCPDECK_CREDENTIALS_PASSPHRASE", None)
    return subprocess.Popen(
        [sys.executable, "-m", "mcpdeck", "login", "tracker", "--no-browser", "--timeout", "60"],
        env=env,
        cwd=home,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _authorize_elsewhere(auth_url: str) -> str:
    """Follow the authorization server's redirects up to (not into) the redirect URI."""
    redirect_uri = parse_qs(urlsplit(auth_url).query)["redirect_uri"][0]
    url = auth_url
    with httpx.Client(follow_redirects=False, timeout=10) as client:
        for _ in range(10):
            location = client.get(url).headers.get("location")
            assert location, f"no redirect from {url}"
            url = urljoin(url, location)
            if url.startswith(redirect_uri):
                return url
    raise AssertionError("the authorization server never redirected to the callback")


def _home(tmp_path: Path, demo_world: DemoWorld) -> Path:
    home = tmp_path / "codex"
    home.mkdir()
    (home / "config.toml").write_text(
        'mcp_oauth_credentials_store = "file"\n'
        f'[mcp_servers.tracker]\nurl = "{demo_world.urls["linear"]}"\n'
    )
    return home


def _auth_url(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    lines = iter(process.stdout)
    for line in lines:
        if "open this URL to log in:" in line:
            return next(lines).strip()
    raise AssertionError("login never printed the authorization URL")


def test_pasted_callback_url_completes_the_login(demo_world: DemoWorld, tmp_path: Path) -> None:
    home = _home(tmp_path, demo_world)
    process = _start(demo_world, home)
    try:
        callback = _authorize_elsewhere(_auth_url(process))
        out, err = process.communicate(callback + "\n", timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "Logged in to 'tracker'" in out
    assert "paste the URL" in err
    code = parse_qs(urlsplit(callback).query)["code"][0]
    assert code not in out + err  # the pasted URL is never echoed
    listed = cli(demo_world, "list", "--json", home=home)
    assert json.loads(listed.stdout)[0]["auth_status"] == "authenticated"


def test_a_pasted_url_of_another_login_is_refused(demo_world: DemoWorld, tmp_path: Path) -> None:
    home = _home(tmp_path, demo_world)
    process = _start(demo_world, home)
    try:
        callback = _authorize_elsewhere(_auth_url(process))
        forged = re.sub(r"state=[^&]+", "state=forged", callback)
        _out, err = process.communicate(forged + "\n", timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode != 0
    assert "state mismatch" in err or "does not belong" in err
    listed = cli(demo_world, "list", "--json", home=home)
    assert json.loads(listed.stdout)[0]["auth_status"] != "authenticated"
