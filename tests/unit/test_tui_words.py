"""Pure pieces of what the TUI says: plurals, paths cut at separators, Log order, settings."""

from __future__ import annotations

from pathlib import Path

from mcpdeck.settings import load_ui_settings, settings_path
from mcpdeck.tui.format import plural, wrap_path
from mcpdeck.tui.report import _trace


def test_plural() -> None:
    assert plural(1, "tool") == "1 tool"
    assert plural(2, "tool") == "2 tools"
    assert plural(0, "error") == "0 errors"
    assert plural(1, "needs a login", "need a login") == "1 needs a login"
    assert plural(2, "needs a login", "need a login") == "2 need a login"


def test_wrap_path_cuts_at_separators() -> None:
    path = "/tmp/mcpdeck-demo-abc123/codex-home/config.toml"
    lines = wrap_path(path, 20)
    assert "".join(lines) == path
    assert all(len(line) <= 20 for line in lines)
    assert all(line.endswith("/") for line in lines[:-1])
    assert wrap_path("/short/path", 40) == ["/short/path"]
    long_name = "/x/" + "n" * 30
    assert "".join(wrap_path(long_name, 10)) == long_name


def test_log_lines_are_in_the_order_things_started() -> None:
    events = [
        {
            "step": "http",
            "status": "ok",
            "summary": "second (ended first)",
            "at": 10.0,
            "elapsed_ms": 1000,
        },
        {"step": "http", "status": "ok", "summary": "first", "at": 10.5, "elapsed_ms": 2000},
        {"step": "done", "status": "ok", "summary": "last", "at": 11.0},
    ]
    assert [line.summary for line in _trace(events)] == ["first", "second (ended first)", "last"]


def test_settings_file_location(tmp_path: Path) -> None:
    assert settings_path({"MCPDECK_SETTINGS": str(tmp_path / "s.toml")}, tmp_path) == (
        tmp_path / "s.toml"
    )
    assert settings_path({"XDG_CONFIG_HOME": str(tmp_path)}, Path("/h")) == (
        tmp_path / "mcpdeck" / "settings.toml"
    )
    assert settings_path({}, Path("/h")) == Path("/h/.config/mcpdeck/settings.toml")


def test_settings_keymap_and_its_problems(tmp_path: Path) -> None:
    file = tmp_path / "settings.toml"
    assert load_ui_settings(file, {"main.login"}).keymap == {}  # no file: no settings
    file.write_text(
        '[keys]\n"main.login" = "L, ctrl+l"\n"main.nope" = "x"\n"main.add" = 3\n'
        '"main.remove" = "not a key"\n'
    )
    settings = load_ui_settings(file, {"main.login", "main.add", "main.remove"})
    assert settings.keymap == {"main.login": "L,ctrl+l"}
    assert len(settings.problems) == 3
    assert settings.problems[0].startswith(f"{file}:3: keys.main.nope: no such binding")
    file.write_text("[keys\n")
    assert "not valid TOML" in load_ui_settings(file, set()).problems[0]


def test_add_form_refuses_urls_that_are_not_http() -> None:
    from mcpdeck.tui.forms import AddForm, check

    for target in ("ftp://x", "ws://host/mcp", "file:///tmp/x"):
        result = check(AddForm(name="v", target=target), set())
        assert "MCP servers are reached over http:// or https://" in result.errors["target"]
        assert not result.table
    assert check(AddForm(name="v", target="https://h/mcp"), set()).table == {"url": "https://h/mcp"}
    assert check(AddForm(name="v", target="npx -y x"), set()).table["command"] == "npx"
