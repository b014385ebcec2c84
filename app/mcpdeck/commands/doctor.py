"""``mcpdeck doctor [NAME] [--json] [--timeout S]``: the verbose diagnostic report.

Reads like Codex's ``/mcp verbose``, with more: where each setting was written, the discovery
chain, the token's facts, the whole inventory, and findings with their fixes.
Exit status: 0 healthy, 1 an error finding, 3 only a login is missing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

from mcpdeck.errors import EXIT_AUTH_REQUIRED, EXIT_FAILURE, EXIT_OK, EXIT_USAGE

_ICON = {"ok": "✓", "warning": "!", "error": "✗", "auth_required": "🔑", "disabled": "–"}
_STYLE = {
    "ok": "green",
    "warning": "yellow",
    "error": "red",
    "auth_required": "magenta",
    "disabled": "dim",
}
_SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "cyan"}
_STATUS_WORDS = {
    "ok": "healthy",
    "warning": "works, with warnings",
    "error": "failing",
    "auth_required": "needs a login",
    "disabled": "disabled",
}


def exit_code(reports: list[Any]) -> int:
    if any(r.status == "error" for r in reports):  # an error a login does not fix
        return EXIT_FAILURE
    if any(r.errors for r in reports):
        # Every error of every failing server is one a login fixes.
        return EXIT_AUTH_REQUIRED
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    from mcpdeck.config.loader import load_from_args
    from mcpdeck.config.paths import check_codex_home
    from mcpdeck.credentials.select import open_store
    from mcpdeck.diagnostics.doctor import diagnose_all

    check_codex_home(args.codex_home)
    loaded = load_from_args(args)
    store = open_store(
        loaded.settings.credentials_store,
        args.codex_home,
        secrets_storage=loaded.settings.secrets_storage,
    )
    names = [args.name] if getattr(args, "name", None) else None
    if any(s.is_active for n, s in loaded.servers.items() if names is None or n in names):
        from mcpdeck.session.connect import preload_sdk

        preload_sdk()
    reports = asyncio.run(
        diagnose_all(loaded, store, names, timeout=getattr(args, "timeout", None))
    )
    if getattr(args, "json", False):
        payload = {
            "codex_home": str(loaded.codex_home),
            "problems": [p.one_line() for p in loaded.problems],
            "servers": [r.to_json() for r in reports],
        }
        from mcpdeck.redact import redact_obj

        json.dump(redact_obj(payload), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        render(reports, [p.one_line() for p in loaded.problems], loaded_home=str(loaded.codex_home))
    code = exit_code(reports)
    # A file Codex refuses (or mcpdeck cannot read) is a config error: exit 2, said on stderr,
    # as for list and get (Codex refuses the whole file, so any server's error counts).
    broken = [p for p in loaded.all_problems() if p.severity == "error"]
    if broken:
        from mcpdeck.redact import for_display

        for problem in broken:
            print(f"mcpdeck: error: {for_display(problem.one_line())}", file=sys.stderr)
        return EXIT_USAGE
    return code


# -- text rendering (rich) --------------------------------------------------------------------


def _when(ts: float | None) -> str:
    if ts is None:
        return "no expiry given"
    from mcpdeck.diagnostics.expiry import expires_words

    stamp = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(ts))
    return f"{stamp} ({expires_words(ts)})"


def _value(value: Any) -> str:
    if isinstance(value, list | dict):
        return json.dumps(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # as written: startup_timeout_sec = 10
    return str(value)


def _file_of(where: str) -> str:
    return where.rsplit(":", 1)[0] if where.rsplit(":", 1)[-1].isdigit() else where


# Most urgent first, in the closing summary and the "what to do" list.
_STATUS_ORDER = ("error", "auth_required", "warning", "ok", "disabled")


def render(reports: list[Any], problems: list[str], *, loaded_home: str) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text
    from rich.tree import Tree

    from mcpdeck.diagnostics.edits import describe_edit
    from mcpdeck.redact import for_display

    console = Console(highlight=False, soft_wrap=False)

    def esc(text: Any) -> str:
        shown = for_display(text)
        body = shown.rstrip("\\")
        trailing = len(shown) - len(body)
        if not trailing:
            return escape(shown)
        # Rich reads backslashes before a tag in pairs: double the trailing ones and close them
        # with an empty tag, so they print as written whatever follows (text or a tag).
        return escape(body) + "\\" * (2 * trailing) + "[b][/b]"

    def cell(text: Any) -> Text:
        # Table cells as Text: outside text is never parsed as markup there.
        return Text(for_display(text))

    if problems:
        console.print("[bold red]Configuration problems[/]")
        for line in problems:
            console.print(f"  ✗ {esc(line)}")
        console.print()
    if not reports:
        console.print(f"No MCP servers configured in {esc(loaded_home)}/config.toml.")
        console.print("Add one with: mcpdeck add NAME --url URL   or   mcpdeck add NAME -- COMMAND")
        return

    for report in reports:
        data = report.to_json()
        status = report.status
        style = _STYLE[status]
        transport = data["transport"]
        kind = transport.get("type") or "invalid"
        target = transport.get("url") or " ".join(
            [transport.get("command") or "", *transport.get("args", [])]
        )
        head = (
            f"[bold]{esc(report.name)}[/]  [{style}]{_ICON[status]} {_STATUS_WORDS[status]}[/]"
            f"  [dim]{esc(kind)}[/]  {esc(target)}"
        )
        tree = Tree(head)

        # Config with provenance
        cfg = data["config"]
        where = f"{cfg['layer']} layer, {cfg['file']}" if cfg["file"] else "unknown file"
        files = {_file_of(f["where"]): f.get("layer") for f in cfg["fields"] if f["where"]}
        if cfg["file"] and len(files) > 1:
            # Layers merge key by key: say so, or "project layer" hides the user file's keys.
            where = ", then ".join(
                f"{layer} layer {file}" if layer else file for file, layer in files.items()
            )
        trust = "" if cfg["trusted"] else "  [yellow](project not trusted)[/]"
        node = tree.add(f"[bold]Config[/]  [dim]{esc(where)}[/]{trust}")
        table = Table(show_header=True, box=None, pad_edge=False)
        table.add_column("key", style="cyan")
        table.add_column("value", overflow="fold")
        table.add_column("written at", style="dim", overflow="fold")
        # Each file named once (above); rows say which layer's line when the layers are distinct.
        labelled = len(files) > 1 and len(set(files.values())) == len(files)
        for f in cfg["fields"]:
            written = f["where"] or ""
            file = _file_of(written)
            if written != file and (file == cfg["file"] or labelled):
                line = written[len(file) + 1 :]
                written = f"{f['layer']}, line {line}" if labelled else f"line {line}"
            table.add_row(cell(f["key"]), cell(_value(f["value"])), cell(written))
        node.add(table)
        if transport.get("type") == "stdio":
            resolved = transport.get("resolved_command")
            node.add(
                f"command resolves to {esc(resolved)}"
                if resolved
                else "[red]command not found on PATH[/]"
            )
        env = data["env"]
        if env["present"] or env["missing"]:
            parts = [f"[green]{esc(n)}[/] set" for n in env["present"]] + [
                f"[red]{esc(n)} missing[/]" for n in env["missing"]
            ]
            node.add("environment: " + ", ".join(parts))

        # Auth
        auth = data["auth"]
        anode = tree.add(f"[bold]Auth[/]  {esc(auth['status'])}  [dim]{esc(auth['detail'])}[/]")
        token = auth.get("token")
        if token:
            anode.add(f"stored in {esc(token['store'])}; issuer {esc(token['issuer'] or '?')}")
            anode.add(
                f"expires {esc(_when(token['expires_at']))}; "
                f"refresh token: {'yes' if token['refreshable'] else 'no'}"
            )
            anode.add(
                f"scopes requested: {esc(' '.join(token['requested_scopes']) or '(none)')}; "
                f"granted: {esc(' '.join(token['granted_scopes']) or '(none)')}"
            )
            if token.get("resource"):
                anode.add(f"resource: {esc(token['resource'])}")
            claims = token.get("jwt_claims_unverified")
            if claims:
                shown = ", ".join(
                    f"{k}={_value(claims[k])}"
                    for k in ("aud", "iss", "scope", "scp")
                    if k in claims
                )
                anode.add(f"JWT claims [dim](decoded without verification)[/]: {esc(shown)}")
        discovery = auth.get("discovery")
        if discovery:
            same = discovery["detail"] == auth["detail"]  # said on the Auth line already
            dnode = anode.add("discovery" + ("" if same else f": {esc(discovery['detail'])}"))
            for event in auth.get("chain", []):
                mark = {"ok": "[green]✓[/]", "fail": "[red]✗[/]"}.get(event["status"], "·")
                dnode.add(f"{mark} {esc(event['summary'])}")

        # Session
        sess = data["session"]
        if sess["skipped"]:
            tree.add(f"[bold]Session[/]  [dim]not started: {esc(sess['skipped'])}[/]")
        elif sess["ok"]:
            init = sess["initialize"]
            timings = sess["timings"] or {}
            snode = tree.add(
                f"[bold]Session[/]  [green]initialized[/] in "
                f"{(timings.get('initialize_ms') or 0):.0f} ms"
                + (
                    f", inventory in {timings['inventory_ms']:.0f} ms"
                    if timings.get("inventory_ms") is not None
                    else ""
                )
            )
            title = f" ({init['server_title']})" if init.get("server_title") else ""
            snode.add(
                f"server {esc(init['server_name'])} {esc(init['server_version'])}{esc(title)}, "
                f"protocol {esc(init['protocol_version'])}"
            )
            snode.add("capabilities: " + (esc(", ".join(sorted(init["capabilities"]))) or "none"))
            if init.get("instructions"):
                snode.add(f"instructions: {esc(init['instructions'])}")
        else:
            err = sess["error"] or {}
            snode = tree.add(f"[bold]Session[/]  [red]failed:[/] {esc(err.get('message', '?'))}")
            if err.get("www_authenticate"):
                snode.add(f"WWW-Authenticate {esc(err['www_authenticate'])}")
            for line in err.get("stderr_tail") or []:
                snode.add(f"[dim]stderr:[/] {esc(line)}")

        # Inventory
        inv = data["inventory"]
        if inv is not None:
            tools = inv["tools"]
            exposed = [t for t in tools if t["exposed"]]
            tnode = tree.add(
                f"[bold]Tools[/]  {len(exposed)} exposed"
                + (f", {len(tools) - len(exposed)} hidden" if len(tools) != len(exposed) else "")
            )
            if tools:
                ttable = Table(show_header=True, box=None, pad_edge=False)
                ttable.add_column("name", style="cyan")
                ttable.add_column("exposed")
                ttable.add_column("description")
                for t in tools:
                    shown = "yes" if t["exposed"] else f"[yellow]hidden by {esc(t['hidden_by'])}[/]"
                    ttable.add_row(cell(t["name"]), shown, cell((t["description"] or "")[:80]))
                tnode.add(ttable)
            for label, key, columns in (
                ("Resources", "resources", ("uri", "name", "mime_type")),
                ("Templates", "templates", ("uri_template", "name", "mime_type")),
                ("Prompts", "prompts", ("name", "description", "arguments")),
            ):
                items = inv[key]
                if key in inv["not_offered"]:
                    tree.add(f"[bold]{label}[/]  [dim]not offered[/]")
                    continue
                rnode = tree.add(f"[bold]{label}[/]  {len(items)}")
                if items:
                    rtable = Table(show_header=True, box=None, pad_edge=False)
                    for col in columns:
                        rtable.add_column(col.replace("_", " "))
                    for item in items:
                        rtable.add_row(
                            *(
                                cell(
                                    ", ".join(item[c])
                                    if isinstance(item[c], list)
                                    else (item[c] or "")
                                )
                                for c in columns
                            )
                        )
                    rnode.add(rtable)

        # Findings
        findings = data["findings"]
        if findings:
            fnode = tree.add(f"[bold]Findings[/]  {len(findings)}")
            for f, finding in zip(findings, report.findings, strict=True):
                sev = f["severity"]
                item = fnode.add(f"[{_SEVERITY_STYLE[sev]}]{sev}[/] {esc(f['message'])}")
                if f.get("fix"):
                    item.add(f"fix: {esc(f['fix'])}")
                if finding.edit is not None:
                    item.add(f"[dim]edit: {esc(describe_edit(finding.edit))}[/]")
        else:
            tree.add("[bold]Findings[/]  [green]none[/]")
        console.print(tree)
        console.print()

    counts: dict[str, int] = {}
    for report in reports:
        counts[report.status] = counts.get(report.status, 0) + 1
    summary = ", ".join(f"{counts[s]} {_STATUS_WORDS[s]}" for s in _STATUS_ORDER if counts.get(s))
    console.print(f"[bold]{len(reports)} server(s):[/] {esc(summary)}")
    todo = [
        (report.name, f)
        for status in _STATUS_ORDER
        for report in reports
        if report.status == status
        for f in report.findings
        if f.severity in ("error", "warning") and f.fix
    ]
    if todo:
        console.print("[bold]What to do[/] (most urgent first; details above):")
        steps = Table.grid(padding=(0, 1))
        steps.add_column(width=1)
        steps.add_column(style="bold")
        steps.add_column(overflow="fold")
        for name, f in todo:
            mark = "[red]✗[/]" if f.severity == "error" else "[yellow]![/]"
            steps.add_row(mark, cell(name), cell(f.fix))
        console.print(steps)
