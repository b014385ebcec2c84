"""Resource templates (RFC 6570, the forms MCP servers use): the form a template asks for, and
the URI its values make. Pure (no Textual); the call screen uses both."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

_TEMPLATE_VAR = re.compile(r"\{([+#./;?&]?)([A-Za-z0-9_,.*]+)\}")


def template_schema(template: str) -> dict[str, Any]:
    """A resource template's variables as a form schema: path variables are required strings,
    query variables (``{?a,b}``, ``{&c}``) optional ones."""
    names: list[str] = []
    required: list[str] = []
    for op, spec in _TEMPLATE_VAR.findall(template):
        for name in spec.split(","):
            name = name.rstrip("*")
            if name and name not in names:
                names.append(name)
                if op not in ("?", "&"):
                    required.append(name)
    return {
        "type": "object",
        "properties": {n: {"type": "string"} for n in names},
        "required": required,
    }


def expand_template(template: str, values: dict[str, Any]) -> str:
    """RFC 6570 expansion for the forms resource templates use: ``{var}``, reserved ``{+var}``
    and ``{#var}``, labels ``{.var}``, paths ``{/var}``, and queries ``{?a,b}`` / ``{&c}``
    (unset query variables are left out)."""

    def one(match: re.Match[str]) -> str:
        op, spec = match.groups()
        names = [n.rstrip("*") for n in spec.split(",")]
        safe = "/:?#[]@!$&'()*+,;=" if op in ("+", "#") else ""
        if op in ("?", "&"):
            pairs = [
                f"{n}={quote(str(values[n]), safe='')}"
                for n in names
                if values.get(n) not in (None, "")
            ]
            return (op + "&".join(pairs)) if pairs else ""
        text = ",".join(quote(str(values.get(n, "")), safe=safe) for n in names)
        return (op if op in ("#", ".", "/") else "") + text

    return _TEMPLATE_VAR.sub(one, template)
