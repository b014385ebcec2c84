"""Validation of the add-server form: pure functions returning one message per bad field."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from mcpdeck.config.server_url import looks_like_url, url_problem

NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
ENV_VAR_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class AddForm:
    name: str = ""
    target: str = ""  # a URL, or a command line
    bearer_env: str = ""
    scopes: str = ""
    env: str = ""  # K=V pairs for a stdio server
    project: bool = False


@dataclass
class Checked:
    errors: dict[str, str] = field(default_factory=dict)
    table: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def is_url(target: str) -> bool:
    return target.strip().lower().startswith(("http://", "https://"))


def check(form: AddForm, taken: set[str]) -> Checked:
    out = Checked()
    name = form.name.strip()
    if not name:
        out.errors["name"] = "a name is required"
    elif not NAME_RE.match(name):
        out.errors["name"] = "use letters, digits, - and _ only"
    elif name in taken:
        out.errors["name"] = f"{name} already exists; pick another name or remove it first"

    target = form.target.strip()
    if not target:
        out.errors["target"] = "a URL (https://…) or a command is required"
    elif looks_like_url(target):
        problem = url_problem(target)
        if problem is not None:
            out.errors["target"] = problem
        else:
            out.table["url"] = target
    else:
        try:
            words = shlex.split(target)
        except ValueError as exc:
            out.errors["target"] = f"cannot split the command: {exc}"
        else:
            out.table["command"] = words[0]
            if words[1:]:
                out.table["args"] = words[1:]

    bearer = form.bearer_env.strip()
    if bearer:
        if not ENV_VAR_RE.match(bearer):
            out.errors["bearer_env"] = "an environment variable NAME (not the token itself)"
        elif target and not is_url(target):
            out.errors["bearer_env"] = "only remote (URL) servers take a bearer token"
        else:
            out.table["bearer_token_env_var"] = bearer

    scopes = [s for s in re.split(r"[,\s]+", form.scopes.strip()) if s]
    if scopes:
        if target and not is_url(target):
            out.errors["scopes"] = "only remote (URL) servers take OAuth scopes"
        else:
            out.table["scopes"] = scopes

    env_text = form.env.strip()
    if env_text:
        if target and is_url(target):
            out.errors["env"] = "environment variables apply to command (stdio) servers"
        else:
            env: dict[str, str] = {}
            try:
                pairs = shlex.split(env_text)
            except ValueError as exc:
                pairs = []
                out.errors["env"] = f"cannot read the pairs: {exc}"
            for pair in pairs:
                key, eq, value = pair.partition("=")
                if not eq or not ENV_VAR_RE.match(key):
                    out.errors["env"] = f"{pair!r} is not KEY=VALUE"
                    break
                env[key] = value
            if env and "env" not in out.errors:
                out.table["env"] = env
    if out.errors:
        out.table = {}
    return out
