"""Findings about what the server offers: tool filters naming tools it lacks, failed listings."""

from __future__ import annotations

from mcpdeck.diagnostics.facts import Facts, set_key, unset_key
from mcpdeck.diagnostics.report import Finding


def inventory_findings(facts: Facts) -> list[Finding]:
    inventory = facts.inventory
    if inventory is None or "tools" in inventory.errors:
        return []
    out: list[Finding] = []
    server = facts.server
    for key, unknown, configured in (
        ("enabled_tools", inventory.filters.unknown_enabled, server.enabled_tools),
        ("disabled_tools", inventory.filters.unknown_disabled, server.disabled_tools),
    ):
        if not unknown or configured is None:
            continue
        kept = [name for name in configured if name not in unknown]
        # All entries wrong: an empty allow-list would hide every tool, so drop the key.
        edit = set_key(facts, key, kept) if kept else unset_key(facts, key)
        offered = ", ".join(t.name for t in inventory.tools[:8])
        out.append(
            Finding(
                "unknown_tool_filter",
                "warning",
                f"{key} names tools {server.name} does not offer: {', '.join(unknown)}"
                + (
                    f" (it offers {offered}{', …' if len(inventory.tools) > 8 else ''})"
                    if offered
                    else ""
                ),
                fix=f"remove {', '.join(unknown)} from {key}, or correct the "
                + ("name" if len(unknown) == 1 else "names")
                + f" to tools {server.name} offers",
                edit=edit,
            )
        )
    for kind, why in inventory.errors.items():
        out.append(Finding("listing_failed", "warning", f"listing {kind} failed: {why}"))
    return out
