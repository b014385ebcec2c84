"""The rules: from what the doctor saw (:class:`~mcpdeck.diagnostics.facts.Facts`) to findings,
each with its fix and, when the fix is a config change, the edit (:mod:`mcpdeck.diagnostics.edits`).

One module per family: ``config``, ``env``, ``session``, ``auth``, ``metadata`` (pre-login
OAuth metadata), ``inventory``. A new finding goes in its family's module and, when it is a new
family, into :func:`collect` below; the findings' ids are part of ``mcpdeck doctor --json``.
"""

from __future__ import annotations

from mcpdeck.diagnostics.facts import Facts
from mcpdeck.diagnostics.report import Finding
from mcpdeck.diagnostics.rules.auth import EXPLAINS_401, auth_findings
from mcpdeck.diagnostics.rules.config import config_findings
from mcpdeck.diagnostics.rules.env import env_findings
from mcpdeck.diagnostics.rules.inventory import inventory_findings
from mcpdeck.diagnostics.rules.metadata import metadata_findings
from mcpdeck.diagnostics.rules.session import required_findings, session_findings

_ORDER = {"error": 0, "warning": 1, "info": 2}


def collect(facts: Facts) -> list[Finding]:
    """All findings, errors first; within a severity, in the order the families run."""
    out = config_findings(facts) + env_findings(facts)
    auth = auth_findings(facts) + metadata_findings(facts)
    if facts.session_error is not None:
        # An auth finding that explains a 401 replaces the session's "revoked or expired".
        explained = any(f.id in EXPLAINS_401 and f.severity == "error" for f in auth)
        out += session_findings(facts, facts.session_error, explained=explained)
    out += auth
    out += inventory_findings(facts)
    out += facts.store_findings
    out += required_findings(facts)
    # Keep one finding per (id, message): a rule and a session error can say the same thing.
    seen: set[tuple[str, str]] = set()
    unique = []
    for finding in out:
        if (finding.id, finding.message) not in seen:
            seen.add((finding.id, finding.message))
            unique.append(finding)
    return sorted(unique, key=lambda f: _ORDER[f.severity])


__all__ = ["collect"]
