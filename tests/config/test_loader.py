from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mcpdeck.config.loader import load_config
from mcpdeck.config.model import LoadedConfig, ServerConfig
from tests.config.layout import Layout, make_layout, write


def load(layout: Layout, cwd: Path | None = None) -> LoadedConfig:
    return load_config(layout.home, cwd or layout.sub)


def only_problem(server: ServerConfig):  # type: ignore[no-untyped-def]
    assert len(server.problems) == 1, server.problems
    return server.problems[0]


def test_every_key_with_its_type(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    write(
        layout.user_file,
        """
        [mcp_servers.local]
        command = "npx"
        args = ["-y", "tools"]
        env = { API_KEY = "k", MODE = "dev" }
        env_vars = ["PATH", { name = "HOME", source = "remote" }]
        cwd = "/srv"
        enabled = false
        required = true
        startup_timeout_sec = 2.5
        tool_timeout_sec = 90
        enabled_tools = ["a", "b"]
        disabled_tools = ["b"]

        [mcp_servers.remote]
        url = "https://docs.example.com/mcp"
        bearer_token_env_var = "DOCS_TOKEN"
        http_headers = { "X-Team" = "core" }
        env_http_headers = { "X-Key" = "DOCS_KEY" }
        http_headers_helper = "print-headers"
        scopes = ["read", "write"]
        oauth_resource = "https://docs.example.com"

        [mcp_servers.remote.oauth]
        client_id = "cid"
        client_secret_env_var = "DOCS_SECRET"
        callback_url = "https://dev.example.com/callback"
        callback_port = 8765
        client_metadata_url = "https://app.example.com/client.json"
        """,
    )
    loaded = load(layout)
    local = loaded.servers["local"]
    assert local.valid and local.problems == []
    assert local.transport == "stdio"
    assert (local.command, local.args, local.cwd) == ("npx", ["-y", "tools"], "/srv")
    assert local.env == {"API_KEY": "k", "MODE": "dev"}
    assert local.env_vars == ["PATH", "HOME"]
    assert local.env_var_sources == {"HOME": "remote"}
    assert (local.enabled, local.required) == (False, True)
    assert (local.startup_timeout_sec, local.tool_timeout_sec) == (2.5, 90.0)
    assert (local.enabled_tools, local.disabled_tools) == (["a", "b"], ["b"])
    # Codex prints no disabled_reason for enabled = false; mcpdeck's words say it.
    assert local.disabled_reason is None and local.inactive_reason == "disabled in config"

    remote = loaded.servers["remote"]
    assert remote.valid and remote.transport == "streamable_http"
    assert remote.url == "https://docs.example.com/mcp"
    assert remote.bearer_token_env_var == "DOCS_TOKEN"
    assert remote.http_headers == {"X-Team": "core"}
    assert remote.env_http_headers == {"X-Key": "DOCS_KEY"}
    assert remote.http_headers_helper == "print-headers"
    assert remote.scopes == ["read", "write"]
    assert remote.oauth_resource == "https://docs.example.com"
    assert remote.oauth.client_id == "cid"
    assert remote.oauth.client_secret_env_var == "DOCS_SECRET"
    assert remote.oauth.callback_url == "https://dev.example.com/callback"
    assert remote.oauth.callback_port == 8765
    assert remote.oauth.client_metadata_url == "https://app.example.com/client.json"
    assert remote.is_active


def test_defaults_and_legacy_startup_timeout_ms(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    write(
        layout.user_file,
        """
        [mcp_servers.plain]
        command = "x"
        [mcp_servers.legacy]
        command = "x"
        startup_timeout_ms = 1500
        [mcp_servers.both]
        command = "x"
        startup_timeout_ms = 1500
        startup_timeout_sec = 4
        """,
    )
    servers = load(layout).servers
    plain = servers["plain"]
    assert (plain.startup_timeout_sec, plain.tool_timeout_sec) == (10.0, 60.0)
    assert (plain.enabled, plain.required, plain.args, plain.env) == (True, False, [], {})
    assert plain.enabled_tools is None and plain.scopes is None
    assert servers["legacy"].startup_timeout_sec == 1.5
    assert servers["both"].startup_timeout_sec == 4.0  # _sec wins, like Codex


def test_top_level_oauth_settings(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    write(
        layout.user_file,
        """
        mcp_oauth_credentials_store = "file"
        mcp_oauth_callback_port = 5555
        mcp_oauth_callback_url = "https://devbox.example.com/callback"
        """,
    )
    settings = load(layout).settings
    assert settings.credentials_store == "file"
    assert settings.callback_port == 5555
    assert settings.callback_url == "https://devbox.example.com/callback"


def test_bad_top_level_settings_are_problems_with_lines(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    write(
        layout.user_file,
        """
        # settings
        mcp_oauth_credentials_store = "vault"
        mcp_oauth_callback_port = 70000
        """,
    )
    loaded = load(layout)
    assert loaded.settings.credentials_store == "auto"
    assert loaded.settings.callback_port is None
    found = {(p.key, p.line) for p in loaded.problems}
    assert found == {("mcp_oauth_credentials_store", 2), ("mcp_oauth_callback_port", 3)}


def test_project_layer_overrides_one_field_with_provenance(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    layout.trust(layout.root)
    write(
        layout.user_file,
        layout.user_file.read_text()
        + """
[mcp_servers.docs]
url = "https://docs.example.com/mcp"
tool_timeout_sec = 30
env_http_headers = { "X-A" = "A_VAR", "X-B" = "B_VAR" }
""",
    )
    project = write(
        layout.project_file(layout.root),
        """
        # team override
        [mcp_servers.docs]
        tool_timeout_sec = 5

        [mcp_servers.docs.env_http_headers]
        X-B = "TEAM_B"
        """,
    )
    docs = load(layout).servers["docs"]
    assert docs.valid
    assert docs.url == "https://docs.example.com/mcp"
    assert docs.tool_timeout_sec == 5.0
    # tables merge key by key
    assert docs.env_http_headers == {"X-A": "A_VAR", "X-B": "TEAM_B"}
    assert docs.source is not None
    assert (docs.source.layer, docs.source.file, docs.source.trusted) == ("project", project, True)
    assert docs.defined_at is not None and docs.defined_at.line == 2
    prov = docs.provenance
    assert (prov["url"].file, prov["url"].layer, prov["url"].line) == (layout.user_file, "user", 5)
    assert (prov["tool_timeout_sec"].file, prov["tool_timeout_sec"].line) == (project, 3)
    assert (prov["env_http_headers.X-B"].file, prov["env_http_headers.X-B"].line) == (project, 6)
    assert prov["env_http_headers.X-A"].file == layout.user_file


def test_closer_project_layer_wins(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    layout.trust(layout.root)
    write(layout.project_file(layout.root), '[mcp_servers.s]\ncommand = "far"\nargs = ["1"]\n')
    near = write(layout.project_file(layout.sub), '[mcp_servers.s]\ncommand = "near"\n')
    loaded = load(layout)
    server = loaded.servers["s"]
    assert (server.command, server.args) == ("near", ["1"])
    assert server.source is not None and server.source.file == near
    assert [layer.layer for layer in loaded.layers] == ["user", "project", "project"]
    # from the root only the root layer applies
    assert load(layout, layout.root).servers["s"].command == "far"


def test_trust_follows_codex_rules(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    write(layout.user_file, "")
    write(layout.project_file(layout.root), '[mcp_servers.r]\ncommand = "x"\n')
    write(layout.project_file(layout.sub), '[mcp_servers.s]\ncommand = "x"\n')

    loaded = load(layout)
    assert loaded.servers == {}  # Codex never merges an untrusted layer
    untrusted = {row.name: row for row in loaded.ignored}
    assert not untrusted["r"].trusted and not untrusted["s"].trusted
    assert untrusted["r"].disabled_reason == "ignored by Codex: project not trusted"
    assert untrusted["r"].enabled  # the config says enabled; trust is separate

    # the project root's entry covers every layer of the project
    layout.trust(layout.root)
    trusted = load(layout).servers
    assert trusted["r"].trusted and trusted["s"].trusted and trusted["s"].is_active

    # a layer directory's own entry wins over the root's
    layout.trust(layout.sub, "untrusted")
    mixed = load(layout)
    assert mixed.servers["r"].trusted and "s" not in mixed.servers
    assert [row.name for row in mixed.ignored] == ["s"]


def test_settings_from_untrusted_project_are_ignored(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    write(layout.user_file, 'mcp_oauth_callback_url = "http://127.0.0.1:9/cb"\n')
    write(layout.project_file(layout.sub), 'mcp_oauth_callback_url = "https://evil.example/cb"\n')
    assert load(layout).settings.callback_url == "http://127.0.0.1:9/cb"
    layout.trust(layout.root)
    assert load(layout).settings.callback_url == "https://evil.example/cb"


def test_line_numbers_for_every_way_of_writing_keys(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    write(
        layout.user_file,
        '''
        top = """
        [mcp_servers.fake]
        command = "inside a string"
        """
        other.dotted.command = "d"

        [mcp_servers]
        inline = { url = "https://i.example" }
        partial.url = "https://p.example"

        [mcp_servers."quoted-name"]
        args = [
          "a",
          "b",
        ]
        command = "q"

        [mcp_servers.'lit']
        command = "l"
          [mcp_servers.lit.env]
          K = "v"
        ''',
    )
    servers = load(layout).servers
    assert "fake" not in servers
    assert servers["inline"].provenance["url"].line == 8
    assert servers["partial"].provenance["url"].line == 9
    assert servers["quoted-name"].defined_at is not None
    assert servers["quoted-name"].defined_at.line == 11
    assert servers["quoted-name"].provenance["args"].line == 12
    assert servers["quoted-name"].provenance["command"].line == 16
    assert servers["lit"].provenance["env.K"].line == 21
    assert all(s.valid for s in servers.values()), [s.problems for s in servers.values()]


def test_top_level_dotted_server_keys(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    write(
        layout.user_file,
        '# servers\nmcp_servers.dotted.command = "d"\nmcp_servers.dotted.args = []\n',
    )
    server = load(layout).servers["dotted"]
    assert server.valid and server.command == "d"
    assert (server.provenance["command"].line, server.provenance["args"].line) == (2, 3)


def test_each_problem_names_file_server_key_and_line(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    user = write(
        layout.user_file,
        """
        [mcp_servers.good]
        command = "ok"

        [mcp_servers.wrongtype]
        command = "x"
        args = "not-a-list"

        [mcp_servers.unknown]
        url = "https://u.example"
        colour = "blue"

        [mcp_servers.othertransport]
        url = "https://o.example"
        env = { A = "b" }

        [mcp_servers.secret]
        url = "https://s.example"
        bearer_token = "sk-live-abcdef"

        [mcp_servers."bad name"]
        command = "x"

        [mcp_servers.both]
        command = "x"
        url = "https://b.example"

        [mcp_servers.neither]
        enabled = true

        [mcp_servers.negative]
        command = "x"
        tool_timeout_sec = -1
        """,
    )
    servers = load(layout).servers
    assert servers["good"].valid
    cases = {
        "wrongtype": ("args", 6, "must be an array of strings, not a string"),
        "othertransport": ("env", 14, "env is not supported for streamable_http"),
        "secret": ("bearer_token", 18, "secrets never go in config"),
        "both": ("url", 25, "url is not supported for stdio"),
        "neither": (None, 27, "invalid transport"),
        "negative": ("tool_timeout_sec", 32, "must not be negative"),
    }
    # Codex ignores unknown keys and reads any name: a warning, and a valid server.
    unknown = only_problem(servers["unknown"])
    assert (unknown.key, unknown.line, unknown.severity) == ("colour", 10, "warning")
    assert servers["unknown"].valid and servers["bad name"].valid
    for name, (key, line, text) in cases.items():
        server = servers[name]
        problem = only_problem(server)
        assert (problem.file, problem.server, problem.key, problem.line) == (user, name, key, line)
        assert text in problem.message
        assert not server.valid
        assert server.disabled_reason is not None and text in server.disabled_reason
        assert str(user) in problem.one_line() and f":{line}:" in problem.one_line()
    assert servers["both"].transport == "stdio" and servers["neither"].transport is None
    # the inline secret is reported, never repeated
    assert all("sk-live" not in p.one_line() for p in servers["secret"].problems)


def test_oauth_table_problems(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    write(
        layout.user_file,
        """
        [mcp_servers.o]
        url = "https://o.example"
        [mcp_servers.o.oauth]
        client_secret = "hunter22"
        callback_port = 0
        """,
    )
    server = load(layout).servers["o"]
    # Codex takes port 0 (any free port) and wants a client_id with an inline secret.
    assert {(p.key, p.line, p.message) for p in server.problems} == {
        ("oauth.client_secret", 4, "oauth.client_secret requires oauth.client_id"),
    }
    stdio = write(layout.user_file, '[mcp_servers.s]\ncommand = "x"\noauth_resource = "r"\n')
    problem = only_problem(load(layout).servers["s"])
    assert (problem.file, problem.line, problem.message) == (
        stdio,
        3,
        "oauth_resource is not supported for stdio",
    )


def test_env_vars_entries_are_checked(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    write(
        layout.user_file,
        """
        [mcp_servers.s]
        command = "x"
        env_vars = ["OK", { name = "X", source = "elsewhere" }, 3]
        """,
    )
    server = load(layout).servers["s"]
    assert server.env_vars == ["OK"]
    assert len(server.problems) == 2 and all(p.key == "env_vars" for p in server.problems)
    assert "expected 'local' or 'remote'" in server.problems[0].message


def test_syntax_error_names_line_and_column_and_the_rest_loads(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    layout.trust(layout.root)
    write(layout.user_file, layout.user_file.read_text() + '\n[mcp_servers.u]\ncommand = "u"\n')
    broken = write(
        layout.project_file(layout.root),
        """
        [mcp_servers.p]
        command = "p"
        args = ["unterminated
        """,
    )
    write(layout.project_file(layout.sub), '[mcp_servers.s]\ncommand = "s"\n')
    loaded = load(layout)
    assert set(loaded.servers) == {"u", "s"}
    [problem] = loaded.problems
    assert problem.file == broken and problem.line == 3 and problem.column is not None
    assert problem.message.startswith("TOML syntax error")
    assert f"{broken}:3:" in problem.one_line()
    assert [layer.loaded for layer in loaded.layers] == [True, False, True]


def test_unreadable_and_non_utf8_files_are_problems(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    layout.user_file.write_bytes(b'[mcp_servers.a]\ncommand = "\xff"\n')
    (layout.project_file(layout.sub)).mkdir(parents=True)  # a directory where a file should be
    loaded = load(layout)
    assert loaded.servers == {}
    assert loaded.problems[0].line == 2 and "UTF-8" in loaded.problems[0].message


def test_missing_files_load_empty(tmp_path: Path) -> None:
    loaded = load_config(tmp_path / "nowhere", tmp_path)
    assert loaded.servers == {} and loaded.problems == []
    assert loaded.layers[0].exists is False


def test_mcp_servers_not_a_table(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    write(layout.user_file, 'x = 1\nmcp_servers = "nope"\n')
    loaded = load(layout)
    assert loaded.servers == {}
    assert (loaded.problems[0].key, loaded.problems[0].line) == ("mcp_servers", 2)


def test_server_that_is_not_a_table_is_listed_invalid(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    write(layout.user_file, "[mcp_servers]\nweird = 3\n")
    server = load(layout).servers["weird"]
    assert not server.valid and only_problem(server).line == 2


def test_loader_import_stays_light() -> None:
    code = (
        "import sys, mcpdeck.config.loader, mcpdeck.config.serialize;"
        "heavy = {'tomlkit', 'textual', 'mcp', 'authlib', 'httpx', 'httpx2'} & set(sys.modules);"
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_managed_requirements_and_system_layer_from_the_system_dir(tmp_path: Path) -> None:
    """The same rules the corpus checks against Codex in a mount namespace, through the seam."""
    layout = make_layout(tmp_path)
    system = tmp_path / "etc-codex"
    write(system / "config.toml", '[mcp_servers.sys]\ncommand = "sys-tool"\n')
    write(
        system / "requirements.toml",
        '[mcp_servers.ok.identity]\nurl = "https://ok.example/mcp"\n'
        '[mcp_servers.sys.identity]\ncommand = "other"\n',
    )
    write(
        layout.user_file,
        '[mcp_servers.ok]\nurl = "https://ok.example/mcp"\n'
        '[mcp_servers.moved]\nurl = "https://elsewhere.example/mcp"\n',
    )
    loaded = load_config(layout.home, layout.sub, system_dir=system)
    reason = f"requirements ({system / 'requirements.toml'})"
    assert loaded.servers["ok"].disabled_reason is None and loaded.servers["ok"].codex_enabled
    for name in ("sys", "moved"):
        server = loaded.servers[name]
        assert server.disabled_reason == reason and not server.codex_enabled
        assert server.inactive_reason == f"disabled by {reason}"
    assert loaded.servers["sys"].source is not None
    assert loaded.servers["sys"].source.layer == "system"


def test_an_array_element_on_its_own_line_is_not_a_table_header(tmp_path: Path) -> None:
    """`["b"],` inside a multi-line array is a value: keys after the array keep their table."""
    layout = make_layout(tmp_path)
    write(
        layout.user_file,
        '[mcp_servers.a]\ncommand = "x"\nargs = [\n  ["b"],\n]\nenabled = 3\n',
    )
    server = load(layout).servers["a"]
    lines = {problem.key: problem.line for problem in server.problems}
    assert lines == {"args": 3, "enabled": 6}
