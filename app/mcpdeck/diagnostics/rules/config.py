"""Findings about the server's own configuration: problems, trust, approval modes, enabled."""

from __future__ import annotations

from typing import Any

from mcpdeck.diagnostics.edits import TrustProject
from mcpdeck.diagnostics.facts import Facts, set_key
from mcpdeck.diagnostics.report import Finding


def config_findings(facts: Facts) -> list[Finding]:
    server = facts.server
    out: list[Finding] = []
    for problem in server.problems:
        out.append(
            Finding(
                "config_problem",
                "error" if problem.severity == "error" else "warning",
                problem.one_line(),
                fix=_problem_fix(facts, problem),
            )
        )
    out.extend(_approval_findings(server))
    if server.ignored_reason is not None and server.trusted:
        out.append(
            Finding(
                "not_loaded_by_codex",
                "error",
                f"Codex does not load {server.name}: {server.ignored_reason.split(': ', 1)[-1]}",
                fix="fix the syntax error (Codex refuses the whole file until then)",
            )
        )
    if server.source is not None and not server.source.trusted:
        project = facts.loaded.project_root or server.source.file.parent.parent
        out.append(
            Finding(
                "untrusted_project",
                "warning",
                f"{server.name} comes from an untrusted project layer ({server.source.file}); "
                "Codex will not start it",
                fix=f"trust the project in {facts.loaded.user_file} if you trust its config",
                edit=TrustProject(str(facts.loaded.user_file), str(project)),
            )
        )
    if not server.enabled:
        out.append(
            Finding(
                "disabled",
                "info",
                f"{server.name} is disabled",
                fix=f"mcpdeck enable {server.name}",
                edit=set_key(facts, "enabled", True),
            )
        )
    return out


def _problem_fix(facts: Facts, problem: Any) -> str:
    if problem.key == "oauth.client_secret" and problem.severity == "warning":
        # Codex reads the secret only from here (it has no client_secret_env_var), so moving it
        # would break Codex's own login: keep it where it is, but private.
        source = facts.server.source
        if source is not None and source.layer == "project":
            return (
                f"move [mcp_servers.{facts.server.name}.oauth] client_secret to your user config "
                f"{facts.loaded.user_file}: a project file is shared with everyone who clones it"
            )
        try:
            mode = problem.file.stat().st_mode & 0o777
        except OSError:
            mode = 0
        if mode & 0o077:
            return f"chmod 600 {problem.file} (other users can read the secret now)"
        return f"keep {problem.file} private (it is mode 600) and out of backups you share"
    return f"edit {problem.where()}"


def _approval_findings(server: Any) -> list[Finding]:
    """Codex's approval modes for this server's tools, spelled out (they decide what runs unasked)."""
    default = server.extras.get("default_tools_approval_mode")
    tools = server.extras.get("tools") or {}
    modes = {
        tool: config.get("approval_mode")
        for tool, config in tools.items()
        if isinstance(config, dict) and config.get("approval_mode")
    }
    if default is None and not modes:
        return []
    parts = [f"{tool}: {mode}" for tool, mode in sorted(modes.items())]
    summary = f"Codex asks for approval of {server.name}'s tools as configured: "
    summary += f"default {default or 'Codex’s own default'}"
    if parts:
        summary += "; " + ", ".join(parts)
    return [
        Finding(
            "tool_approval_modes",
            "info",
            summary,
            fix="change default_tools_approval_mode or [mcp_servers.NAME.tools.TOOL] approval_mode "
            "(auto, prompt, writes or approve)",
        )
    ]
