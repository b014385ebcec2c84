"""`mcpdeck logout NAME` through the real CLI, in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mcpdeck.credentials.file_store import PASSPHRASE_ENV, STORE_FILE
from mcpdeck.credentials.select import open_store
from tests.credentials.builders import DOCS_URL, make_record
from tests.fixtures.secret_service import SecretService

CONFIG = f"""\
# my servers — comments and layout must survive a logout
model = "o3"

[mcp_servers.docs]
url = "{DOCS_URL}"   # the docs server
scopes = ["read"]

[mcp_servers.local]
command = "echo"
args = ["hi"]
"""


def write_config(home: Path, extra: str = "") -> bytes:
    data = (extra + CONFIG).encode()
    (home / "config.toml").write_bytes(data)
    return data


def logout(
    home: Path, project: Path, name: str, env: dict[str, str], *, local_only: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in env.items() if k != PASSPHRASE_ENV}
    env.pop("CODEX_HOME", None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mcpdeck",
            "--codex-home",
            str(home),
            "-C",
            str(project),
            "logout",
            name,
            # These records name authorization servers that do not exist: revocation has tests
            # of its own (tests/oauth/test_revoke.py, tests/compat).
            *(["--local-only"] if local_only else []),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "project"
    path.mkdir()
    return path


def test_logout_removes_from_keyring_and_file_and_keeps_the_config(
    secret_service: SecretService, codex_home: Path, project: Path
) -> None:
    config = write_config(codex_home)
    key = open_store("auto", codex_home).key("docs", DOCS_URL)
    in_keyring, in_file = make_record(), make_record()
    open_store("keyring", codex_home).save(key, in_keyring)
    open_store("file", codex_home).save(key, in_file)
    other = open_store("file", codex_home).key("other", "https://other.example/mcp")
    open_store("file", codex_home).save(other, make_record("other", "https://other.example/mcp"))

    done = logout(codex_home, project, "docs", secret_service.env())

    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        "Removed OAuth credentials for 'docs' (keyring, file).\n",
        "",
    )
    assert (codex_home / "config.toml").read_bytes() == config
    assert open_store("auto", codex_home).locate(key) is None
    assert open_store("file", codex_home).load(other) is not None
    for record in (in_keyring, in_file):
        assert record.access_token not in done.stdout + done.stderr

    again = logout(codex_home, project, "docs", secret_service.env())
    assert (again.returncode, again.stdout) == (0, "No OAuth credentials stored for 'docs'.\n")
    assert (codex_home / "config.toml").read_bytes() == config


def test_logout_with_the_file_store_and_no_keyring(
    no_secret_service: dict[str, str], codex_home: Path, project: Path
) -> None:
    config = write_config(codex_home, 'mcp_oauth_credentials_store = "file"\n')
    key = open_store("file", codex_home).key("docs", DOCS_URL)
    open_store("file", codex_home).save(key, make_record())

    done = logout(codex_home, project, "docs", no_secret_service)

    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        "Removed OAuth credentials for 'docs' (file).\n",
        "",
    )
    assert open_store("file", codex_home).load(key) is None
    assert (codex_home / "config.toml").read_bytes() == config


def test_logout_in_keyring_mode_says_the_keyring_is_missing(
    no_secret_service: dict[str, str], codex_home: Path, project: Path
) -> None:
    write_config(codex_home, 'mcp_oauth_credentials_store = "keyring"\n')
    done = logout(codex_home, project, "docs", no_secret_service)
    assert done.returncode == 0
    assert done.stdout == "No OAuth credentials stored for 'docs'.\n"
    assert done.stderr.startswith("note: keyring skipped: no OS keyring is available")


def test_logout_sets_an_unreadable_store_aside(
    no_secret_service: dict[str, str], codex_home: Path, project: Path
) -> None:
    write_config(codex_home)
    (codex_home / STORE_FILE).write_bytes(b"damaged")  # mcpdeck's old encrypted file
    done = logout(codex_home, project, "docs", no_secret_service)
    assert done.returncode == 0
    assert done.stdout == "Removed OAuth credentials for 'docs' (legacy).\n"
    assert "could not be decrypted; moved aside" in done.stderr
    assert not (codex_home / STORE_FILE).exists()


def test_unreadable_credentials_say_why_nothing_was_revoked(
    no_secret_service: dict[str, str], codex_home: Path, project: Path
) -> None:
    write_config(codex_home, 'mcp_oauth_credentials_store = "file"\n')
    (codex_home / ".credentials.json").write_text("{not json")
    done = logout(codex_home, project, "docs", no_secret_service, local_only=False)
    assert done.returncode == 1
    assert done.stdout.startswith("Not revoked: the stored credentials could not be read (")
    assert "not valid JSON" in done.stdout


def test_unknown_server_is_a_usage_error(
    no_secret_service: dict[str, str], codex_home: Path, project: Path
) -> None:
    config = write_config(codex_home)
    done = logout(codex_home, project, "nope", no_secret_service)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "no MCP server named 'nope'" in done.stderr
    assert (codex_home / "config.toml").read_bytes() == config


def test_stdio_server_has_nothing_to_log_out_of(
    no_secret_service: dict[str, str], codex_home: Path, project: Path
) -> None:
    write_config(codex_home)
    done = logout(codex_home, project, "local", no_secret_service)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "'local' is a stdio server" in done.stderr


def test_unknown_server_in_a_broken_config_points_at_the_problem(
    no_secret_service: dict[str, str], codex_home: Path, project: Path
) -> None:
    (codex_home / "config.toml").write_text('[mcp_servers.docs\nurl = "x"\n')
    done = logout(codex_home, project, "docs", no_secret_service)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "fix first: " in done.stderr
    assert str(codex_home / "config.toml") in done.stderr
