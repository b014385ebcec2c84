"""``mcpdeck call NAME TOOL``, ``mcpdeck read NAME URI``, ``mcpdeck prompt NAME PROMPT``.

One call through the same service the TUI uses. Exit status: 0 success, 1 the tool reported
an error or the call failed, 3 authentication is required (no login, or more scopes needed and
no step-up was allowed).

A 403 ``insufficient_scope`` is stepped up (a login with the union of the scopes held and
required, then the call retried once) when ``--step-up`` is given or when the command runs
in a terminal; in scripts it exits 3 and says which scopes are missing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcpdeck.errors import EXIT_AUTH_REQUIRED, EXIT_FAILURE, EXIT_OK, UsageError

if TYPE_CHECKING:
    from mcpdeck.config.model import LoadedConfig, ServerConfig
    from mcpdeck.session.results import CallKind, CallResult


def _server(loaded: LoadedConfig, name: str) -> ServerConfig:
    server = loaded.servers.get(name)
    if server is None:
        raise UsageError(
            f"no MCP server named '{name}' in {loaded.user_file} or the project's .codex/config.toml",
            hint="run `mcpdeck list` to see the configured servers",
        )
    if server.disabled_reason:
        raise UsageError(f"'{name}' cannot be used: {server.disabled_reason}")
    return server


def _pairs(items: list[str]) -> list[tuple[str, str]]:
    out = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--arg {item!r}: expected KEY=VALUE")
        out.append((key, value))
    return out


def parse_arguments(args: argparse.Namespace, schema: dict[str, Any] | None) -> dict[str, Any]:
    """``--args-json`` first, then each ``--arg`` typed by the tool's input schema."""
    from mcpdeck.session.schema_form import (
        FieldValueError,
        build_form,
        coerce_cli_value,
        put_path,
    )

    out: dict[str, Any] = {}
    text = getattr(args, "args_json", None)
    if text:
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UsageError(f"--args-json is not valid JSON: {exc.msg}") from None
        if not isinstance(value, dict):
            raise UsageError("--args-json must be a JSON object")
        out.update(value)
    model = build_form(schema)
    for key, raw in _pairs(getattr(args, "arg", []) or []):
        try:
            put_path(out, key, coerce_cli_value(model, key, raw))
        except FieldValueError as exc:
            raise UsageError(f"--arg {key}: {exc}") from None
    return out


def run(args: argparse.Namespace) -> int:
    from mcpdeck.config.loader import load_from_args
    from mcpdeck.config.paths import check_codex_home
    from mcpdeck.session.connect import preload_sdk

    check_codex_home(args.codex_home)
    loaded = load_from_args(args)
    server = _server(loaded, args.name)
    kinds: dict[str, CallKind] = {"call": "tool", "read": "resource", "prompt": "prompt"}
    kind = kinds[args.command]
    target = {"tool": "tool", "resource": "uri", "prompt": "prompt"}[kind]
    preload_sdk()
    return asyncio.run(_run(args, loaded, server, kind, getattr(args, target)))


async def _run(
    args: argparse.Namespace,
    loaded: LoadedConfig,
    server: ServerConfig,
    kind: CallKind,
    target: str,
) -> int:
    from mcpdeck.oauth.trace import FlowTrace
    from mcpdeck.session.calls import run_call, step_up_login

    store = _store(loaded)

    def build(schema: dict[str, Any] | None) -> dict[str, Any]:
        if kind == "resource":
            return {}
        arguments = parse_arguments(args, schema if kind == "tool" else None)
        if kind == "tool" and schema:
            from mcpdeck.session.schema_form import validate_arguments

            problems = validate_arguments(schema, arguments)
            if problems:
                key, words = next(iter(problems.items()))
                raise UsageError(
                    f"argument {key or '(arguments)'} of {target}: {words}",
                    hint=f"see the tool's input schema: mcpdeck doctor {server.name}",
                )
        return arguments

    def progress(p: Any) -> None:
        if not args.json:
            from mcpdeck.redact import for_display

            print(for_display(f"… progress {p.words()}"), file=sys.stderr, flush=True)

    result = await run_call(
        server, loaded, store, kind, target, build, timeout=args.timeout, on_progress=progress
    )
    if result.outcome == "step_up" and result.step_up is not None and _may_step_up(args):
        from mcpdeck.commands.login import _printer

        step = result.step_up
        from mcpdeck.redact import for_display

        print(
            for_display(
                f"'{server.name}' refused the call: it needs "
                f"{' '.join(step.missing or step.required)}"
                f" (held: {' '.join(step.held) or 'none'}). Stepping up…"
            ),
            file=sys.stderr,
        )
        from rich.console import Console

        trace = FlowTrace(_printer(Console(stderr=True, highlight=False)))
        # The login prints its URL with print(); stdout is for the call's result alone.
        with contextlib.redirect_stdout(sys.stderr):
            await step_up_login(
                server, loaded, store, step, trace, open_browser=not args.no_browser
            )
        result = await run_call(
            server, loaded, store, kind, target, build, timeout=args.timeout, on_progress=progress
        )
        result.stepped_up = True
    _save(args, result)
    if args.json:
        _print_json(result)
    else:
        _print_text(result)
    return exit_code(result)


def _may_step_up(args: argparse.Namespace) -> bool:
    if args.step_up is not None:
        return bool(args.step_up)
    return sys.stdin.isatty() and sys.stderr.isatty()


def _store(loaded: LoadedConfig) -> Any:
    from mcpdeck.credentials.select import open_store

    try:
        return open_store(loaded.settings.credentials_store, loaded.codex_home)
    except Exception as exc:  # no usable store: the call goes out without OAuth (and may say 401)
        from mcpdeck.redact import for_display

        # Say why, or a 401 that follows looks like a server problem.
        print(
            for_display(f"note: no credential store ({exc}); calling without OAuth"),
            file=sys.stderr,
        )
        return None


def exit_code(result: CallResult) -> int:
    if result.outcome == "ok":
        return EXIT_OK
    if result.outcome in ("auth_required", "step_up"):
        return EXIT_AUTH_REQUIRED
    return EXIT_FAILURE


def _save(args: argparse.Namespace, result: CallResult) -> None:
    folder: Path | None = getattr(args, "save_dir", None)
    if folder is None:
        return
    from mcpdeck.session.results import save_item

    for index, item in enumerate(result.items):
        if item.data is not None:
            path = save_item(folder, result.target, index, item)
            item.text += f" — saved to {path}"


def _print_json(result: CallResult) -> None:
    from mcpdeck.redact import redact_obj

    payload: dict[str, Any]
    response = result.response or {}
    if result.outcome in ("ok", "tool_error") and "result" in response:
        payload = dict(response["result"])
    else:
        payload = {"error": {"outcome": result.outcome, "message": result.error, "fix": result.fix}}
        if result.step_up is not None:
            payload["error"]["step_up"] = result.step_up.to_json()
    json.dump(redact_obj(payload), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _print_text(result: CallResult) -> None:
    """Server text goes out as plain text through the display boundary, never as markup."""
    from rich.console import Console
    from rich.text import Text

    from mcpdeck.redact import for_display

    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)

    def say(console: Console, *parts: str | tuple[str, str]) -> None:
        console.print(
            Text.assemble(
                *(
                    (for_display(p[0]), p[1]) if isinstance(p, tuple) else for_display(p)
                    for p in parts
                )
            )
        )

    if result.outcome not in ("ok", "tool_error"):
        say(err, f"mcpdeck: {result.error or result.outcome}")
        if result.step_up is not None:
            step = result.step_up
            say(err, f"  scopes held:     {' '.join(step.held) or 'none'}")
            say(err, f"  scopes required: {' '.join(step.required) or 'unspecified'}")
            say(
                err,
                f"  step up with `mcpdeck {_verb(result)} {result.server} … --step-up`, "
                f"or `mcpdeck login {result.server} --scopes {','.join(step.union)}`",
            )
        elif result.fix:
            say(err, f"  fix: {result.fix}")
        return
    if result.description:
        say(out, (result.description, "dim"))
    for index, item in enumerate(result.items):
        if result.roles:
            say(out, (f"{result.roles[index]}:", "bold"))
        print(_item_text(item))
    if result.has_structured and not any(i.kind == "json" for i in result.items):
        print(for_display(json.dumps(result.structured, indent=2, ensure_ascii=False)))
    if result.output_check and result.output_check != "valid":
        say(err, ("warning:", "yellow"), f" structured content {result.output_check}")
    if result.outcome == "tool_error":
        say(err, f"mcpdeck: the tool reported an error: {result.error or ''}")


def _verb(result: CallResult) -> str:
    return {"tool": "call", "resource": "read", "prompt": "prompt"}[result.kind]


def _item_text(item: Any) -> str:
    from mcpdeck.redact import for_display

    if item.kind == "resource_link":
        return for_display(f"→ resource link {item.name or ''} {item.uri}".replace("  ", " "))
    if item.kind in ("image", "audio") or (item.kind == "resource" and item.data is not None):
        where = f" {item.uri}" if item.uri else ""
        return for_display(f"[{item.text}{where}]")
    prefix = f"[resource {item.uri}]\n" if item.uri and item.kind != "resource" else ""
    return prefix + for_display(item.text)
