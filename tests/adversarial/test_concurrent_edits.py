"""Config edits from many real processes at once: none is lost; a killed edit leaves no temp
file behind; hard links and symlinks survive; `nan` elsewhere in the file does not block edits
(issue 12, finding 5 and the lower-severity edit findings)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
import tomllib
from pathlib import Path

from tests.adversarial.conftest import Deck


def _start(deck: Deck, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        deck.argv(*args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=deck.env(),
        cwd=deck.repo,
    )


def _servers(path: Path) -> dict[str, dict[str, object]]:
    servers: dict[str, dict[str, object]] = tomllib.loads(path.read_text()).get("mcp_servers", {})
    return servers


def test_twenty_simultaneous_adds_add_twenty_servers(deck: Deck) -> None:
    procs = [
        _start(deck, "add", f"s{i}", "--url", f"https://s{i}.example.com/mcp", "--no-login")
        for i in range(20)
    ]
    results = [(p.wait(120), p.stderr.read() if p.stderr else b"") for p in procs]
    assert all(code == 0 for code, _ in results), results
    assert set(_servers(deck.user_config)) == {f"s{i}" for i in range(20)}


def test_add_and_disable_at_once_lose_neither_edit(deck: Deck) -> None:
    for round_ in range(10):
        deck.write_user('[mcp_servers.keep]\nurl = "https://keep.example.com/mcp"\n')
        new = f"new{round_}"
        adder = _start(deck, "add", new, "--url", "https://new.example.com/mcp", "--no-login")
        disabler = _start(deck, "disable", "keep")
        assert adder.wait(120) == 0 and disabler.wait(120) == 0
        servers = _servers(deck.user_config)
        assert new in servers, f"round {round_}: the add was lost"
        assert servers["keep"].get("enabled") is False, f"round {round_}: the disable was lost"


def test_an_edit_killed_midway_leaves_no_temp_file_after_the_next_edit(deck: Deck) -> None:
    rng = random.Random(12)
    for i in range(15):
        proc = _start(deck, "add", f"k{i}", "--url", "https://k.example.com/mcp", "--no-login")
        time.sleep(rng.uniform(0.05, 0.6))  # somewhere between start-up and the write
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # A temp file exactly as a kill between write and rename leaves it.
    (deck.home / ".config.toml.abc123.tmp").write_text("half-written")
    done = _start(deck, "add", "after", "--url", "https://after.example.com/mcp", "--no-login")
    assert done.wait(120) == 0
    leftovers = sorted(p.name for p in deck.home.iterdir() if p.name.endswith(".tmp"))
    assert leftovers == []
    assert "after" in _servers(deck.user_config)  # and the file is whole


def test_a_hard_linked_config_stays_linked(deck: Deck, tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    shared = dotfiles / "codex-config.toml"
    shared.write_text('[mcp_servers.one]\nurl = "https://one.example.com/mcp"\n')
    deck.user_config.unlink()
    os.link(shared, deck.user_config)
    proc = _start(deck, "add", "two", "--url", "https://two.example.com/mcp", "--no-login")
    assert proc.wait(60) == 0
    assert os.stat(shared).st_ino == os.stat(deck.user_config).st_ino
    assert set(_servers(shared)) == {"one", "two"}


def test_a_symlinked_config_is_edited_at_its_target(deck: Deck, tmp_path: Path) -> None:
    target = tmp_path / "dotfiles" / "config.toml"
    target.parent.mkdir()
    target.write_text('[mcp_servers.one]\nurl = "https://one.example.com/mcp"\n')
    deck.user_config.unlink()
    deck.user_config.symlink_to(target)
    proc = _start(deck, "add", "two", "--url", "https://two.example.com/mcp", "--no-login")
    assert proc.wait(60) == 0
    assert deck.user_config.is_symlink()
    assert set(_servers(target)) == {"one", "two"}


def test_nan_and_inf_elsewhere_in_the_file_do_not_block_edits(deck: Deck) -> None:
    deck.user_config.write_text(
        'mcp_oauth_credentials_store = "file"\n'
        "[tui]\nratio = nan\nlimit = inf\n\n"
        '[mcp_servers.one]\nurl = "https://one.example.com/mcp"\n'
    )
    for args in (
        ("add", "two", "--url", "https://two.example.com/mcp", "--no-login"),
        ("disable", "one"),
        ("remove", "two"),
    ):
        proc = _start(deck, *args)
        assert proc.wait(60) == 0, (args, proc.stderr.read() if proc.stderr else b"")
    text = deck.user_config.read_text()
    assert "ratio = nan" in text and "limit = inf" in text
    assert _servers(deck.user_config) == {
        "one": {"url": "https://one.example.com/mcp", "enabled": False}
    }
