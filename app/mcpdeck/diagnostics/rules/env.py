"""Findings about the environment variables a server needs."""

from __future__ import annotations

from mcpdeck.diagnostics.facts import Facts
from mcpdeck.diagnostics.report import Finding


def env_findings(facts: Facts) -> list[Finding]:
    out: list[Finding] = []
    for name in facts.env.missing:
        wanted = facts.env.wanted_by.get(name, "")
        if wanted == "bearer_token_env_var":
            out.append(
                Finding(
                    "bearer_env_unset",
                    "error",
                    f"{name} is not set, so {facts.server.name} is sent no token "
                    "(it is the server's bearer_token_env_var)",
                    fix=f"export {name}=… in the shell that starts Codex (or mcpdeck)",
                )
            )
        elif wanted.startswith("env_http_headers."):
            header = wanted[len("env_http_headers.") :]
            out.append(
                Finding(
                    "env_var_unset",
                    "warning",
                    f"{name} is not set, so Codex drops the {header} header of "
                    f"{facts.server.name} ({wanted})",
                    fix=f"export {name}=… in the shell that starts Codex (or mcpdeck)",
                )
            )
        else:
            out.append(
                Finding(
                    "env_var_unset",
                    "warning",
                    f"{name} ({wanted}) is not set in this environment",
                    fix=f"export {name}=… before starting",
                )
            )
    return out
