"""The doctor's report turned into what the diagnostic screen shows (no Textual here)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import TYPE_CHECKING, Any

from mcpdeck.tui.model import FindingView, ItemView, ReportView, ToolView, TraceLine

if TYPE_CHECKING:
    from mcpdeck.config.model import LoadedConfig
    from mcpdeck.diagnostics.edits import ConfigEdit
    from mcpdeck.diagnostics.report import ServerReport
    from mcpdeck.tui.services import Services


async def diagnose_view(services: Services, loaded: LoadedConfig, name: str) -> ReportView:
    from mcpdeck.diagnostics.doctor import diagnose

    server = loaded.visible()[name]
    store = services._credentials(loaded)
    report = await diagnose(server, loaded, store, env=services.env)
    return report_view(report)


async def apply_edit(services: Services, loaded: LoadedConfig, name: str, edit: ConfigEdit) -> str:
    from mcpdeck.diagnostics.edits import describe_edit
    from mcpdeck.diagnostics.fixes import apply_edit as apply

    await asyncio.to_thread(apply, edit)
    return describe_edit(edit)


def _when(epoch: float | None) -> str:
    if epoch is None:
        return "never"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))


def _value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _started(event: dict[str, Any]) -> float:
    """When the step began: events are stamped as they end, and the probe and the session run
    side by side, so their order of arrival is not the order things happened."""
    at = event.get("at")
    if not isinstance(at, int | float):
        return 0.0
    elapsed = event.get("elapsed_ms")
    return float(at) - (float(elapsed) / 1000 if isinstance(elapsed, int | float) else 0.0)


def _trace(events: list[dict[str, Any]]) -> list[TraceLine]:
    ordered = sorted(events, key=_started)  # stable: same-instant events keep their order
    return [
        TraceLine(
            step=str(e.get("step", "")),
            status=str(e.get("status", "info")),
            summary=str(e.get("summary", "")),
            elapsed_ms=e.get("elapsed_ms"),
        )
        for e in ordered
    ]


def report_view(report: ServerReport) -> ReportView:
    view = ReportView(name=report.name)
    cfg = report.config
    ov = view.overview
    ov.append(("Status", report.status))
    # Unset options (null, [], {}) say nothing: leave them out.
    transport = {k: v for k, v in report.transport.items() if v not in (None, [], {}, "")}
    ov.append(("Transport", ", ".join(f"{k}={_value(v)}" for k, v in transport.items())))
    where = cfg.file or "?"
    ov.append(("Defined in", f"{cfg.layer or '?'} layer, {where}"))
    ov.append(("Trusted", "yes" if cfg.trusted else "no (project not trusted)"))
    ov.append(("Enabled", "yes" if cfg.enabled else "no"))
    ov.append(("Required", "yes" if cfg.required else "no"))
    for f in cfg.fields:
        ov.append((f"  {f.key}", f"{_value(f.value)}" + (f"   ← {f.where}" if f.where else "")))
    if report.env.present or report.env.missing:
        ov.append(("Env present", " ".join(report.env.present) or "—"))
        ov.append(("Env missing", " ".join(report.env.missing) or "—"))
    session = report.session
    if session.initialize is not None:
        init = session.initialize
        ov.append(("Server", f"{init.server_name} {init.server_version}".strip()))
        ov.append(("Protocol", init.protocol_version))
        ov.append(("Capabilities", ", ".join(sorted(init.capabilities)) or "—"))
        if init.instructions:
            ov.append(("Instructions", init.instructions))
    if session.timings is not None:
        t = session.timings
        parts = [
            f"{k.removesuffix('_ms')} {v:.0f} ms"
            for k, v in vars(t).items()
            if isinstance(v, int | float)
        ]
        ov.append(("Timings", ", ".join(parts)))
    if session.skipped:
        ov.append(("Session", f"not attempted: {session.skipped}"))
    elif not session.ok:
        message = (session.error or {}).get("message") or "failed"
        view.session_error = str(message)
        ov.append(("Session", f"failed: {message}"))

    auth = report.auth
    au = view.auth
    au.append(("Status", auth.status))
    au.append(("Detail", auth.detail))
    au.append(("Method", auth.method))
    token = auth.token
    if token is not None:
        au.append(("Store", token.store or "—"))
        au.append(("Issuer", token.issuer or "—"))
        au.append(("Client id", token.client_id or "—"))
        au.append(("Resource", token.resource or "—"))
        expiry = _when(token.expires_at) if token.expires_at is not None else "does not expire"
        if token.expired:
            expiry += " (expired)"
        au.append(("Expires", expiry))
        au.append(("Refreshable", "yes" if token.refreshable else "no"))
        au.append(("Scopes asked", " ".join(token.requested_scopes) or "—"))
        au.append(("Scopes granted", " ".join(token.granted_scopes) or "—"))
        if token.unusable_reason:
            au.append(("Unusable", token.unusable_reason))
        claims = token.jwt_claims_unverified
        if claims:
            for key in ("aud", "iss", "sub", "scope", "exp"):
                if key in claims:
                    au.append((f"JWT {key} (unverified)", _value(claims[key])))
    disc = auth.discovery
    if disc is not None:
        au.append(("OAuth advertised", "yes" if disc.oauth else "no"))
        au.append(("Discovery", disc.detail))
        if disc.issuer:
            au.append(("AS issuer", disc.issuer))
        if disc.resource:
            au.append(("PRM resource", disc.resource))
        if disc.registration_supported is not None:
            au.append(("Dynamic registration", "yes" if disc.registration_supported else "no"))
        if disc.scopes_supported:
            au.append(("Scopes supported", " ".join(disc.scopes_supported)))
        if disc.error:
            au.append(("Discovery error", disc.error))
    view.discovery = _trace(auth.chain)

    inv = report.inventory
    if inv is not None:
        for tool in inv.tools:
            view.tools.append(
                ToolView(
                    name=tool.name,
                    exposed=tool.exposed,
                    description=tool.description or tool.title or "",
                    input_schema=dict(tool.input_schema),
                    hidden_by=tool.hidden_by,
                )
            )
        view.resources = [
            ItemView(r.name, r.uri, r.description or r.title or "") for r in inv.resources
        ]
        view.templates = [
            ItemView(t.name, t.uri_template, t.description or t.title or "") for t in inv.templates
        ]
        view.prompts = [
            ItemView(
                p.name, ", ".join(p.arguments), p.description or p.title or "", p.input_schema()
            )
            for p in inv.prompts
        ]
    view.log = _trace(report.log)
    if not view.log and session.exchanges:
        view.log = [
            TraceLine(
                step="http",
                status="ok" if x.status is not None and x.status < 400 else "fail",
                summary=f"{x.method} {x.url} → {x.status if x.status is not None else x.error}"
                + (f" ({x.rpc_method})" if x.rpc_method else ""),
                elapsed_ms=x.elapsed_ms,
            )
            for x in session.exchanges
        ]
    from mcpdeck.diagnostics.edits import SetKey, describe_edit

    for finding in report.findings:
        # An edit whose value the user must choose is shown, not applied.
        edit = finding.edit
        applicable = edit is not None and not (isinstance(edit, SetKey) and edit.needs_value)
        view.findings.append(
            FindingView(
                severity=finding.severity,
                message=finding.message,
                fix=finding.fix or "",
                edit=edit if applicable else None,
                code=finding.id,
                edit_text=describe_edit(edit) if edit else "",
            )
        )
    return view
