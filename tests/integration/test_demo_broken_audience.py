"""The demo's `broken` server end to end: a token requested for another server's resource,
the doctor's token_audience finding, its edit applied, a new login, the next finding."""

from __future__ import annotations

from collections.abc import Callable

from mcpdeck.demo.world import DemoWorld
from mcpdeck.diagnostics.edits import UnsetKey
from mcpdeck.diagnostics.fixes import apply_edit
from tests.integration.helpers import cli, doctor_json, finding


def test_audience_finding_fix_and_login_lead_to_the_tool_filter_finding(
    demo_world_factory: Callable[..., DemoWorld],
) -> None:
    world = demo_world_factory(auto_approve=True)
    linear, broken = world.urls["linear"], world.urls["broken"]

    login = cli(world, "login", "broken", "--timeout", "30")
    assert login.returncode == 0, login.stderr

    report = doctor_json(world, "broken")
    ids = [f["id"] for f in report["findings"]]
    audience = finding(report, "token_audience")
    assert audience["severity"] == "error"
    assert linear in audience["message"] and broken in audience["message"]
    assert "token_revoked" not in ids, "the audience explains the 401: nothing was revoked"
    assert "mcpdeck login broken" in audience["fix"]
    assert audience["edit"] == {
        "op": "unset",
        "file": str(world.config_path),
        "server": "broken",
        "key": "oauth_resource",
    }
    assert "revoked" not in report["auth"]["detail"]
    assert report["exit_code"] == 1  # a config change is needed, not only a login

    text = cli(world, "doctor", "broken")
    assert "token_audience" not in text.stdout  # ids are for machines; words for people
    assert "oauth_resource" in text.stdout and "revoked" not in text.stdout

    apply_edit(UnsetKey(str(world.config_path), "broken", "oauth_resource"))
    assert "oauth_resource" not in world.config_path.read_text().split("[mcp_servers.broken]")[1]
    # The config is right now, the token is not: only a new login is left to do.
    report = doctor_json(world, "broken")
    stale = finding(report, "token_stale_resource")
    assert stale["edit"] is None and "mcpdeck login broken" in stale["fix"]
    assert "token_audience" not in [f["id"] for f in report["findings"]]
    assert report["status"] == "auth_required" and report["exit_code"] == 3

    again = cli(world, "login", "broken", "--timeout", "30")
    assert again.returncode == 0, again.stderr

    report = doctor_json(world, "broken")
    ids = [f["id"] for f in report["findings"]]
    assert "token_audience" not in ids
    assert report["session"]["ok"], report["session"]
    assert report["auth"]["status"] == "authenticated"
    assert "restart_service" in finding(report, "unknown_tool_filter")["message"]
