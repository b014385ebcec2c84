"""The demo's MCP servers (tools, resources, templates, prompts), built on the SDK's MCPServer.

Each factory builds a fresh server: an SDK streamable HTTP session manager runs only once, and
every demo world owns its own data.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from mcp.server.mcpserver import Context, MCPServer

from mcpdeck.demo.authorization_server import DemoAuthorizationServer
from mcpdeck.demo.sdk_server import new_server

LINEAR_SCOPES = ["issues:read", "issues:write"]
LINEAR_REQUIRED = ["issues:read"]
LINEAR_TOOL_SCOPES = {"create_issue": ["issues:write"]}
BROKEN_SCOPES = ["status:read"]
BROKEN_TOOLS = ["status", "logs"]


@dataclass
class Issue:
    id: str
    title: str
    state: str
    assignee: str | None
    description: str


def _seed_issues() -> dict[str, Issue]:
    issues = [
        Issue(
            "LIN-101",
            "Login page loops on expired session",
            "In Progress",
            "ada",
            "Users with an expired refresh token are sent back to the login page forever.",
        ),
        Issue(
            "LIN-102",
            "Add dark mode to the settings screen",
            "Todo",
            None,
            "Follow the system theme by default.",
        ),
        Issue(
            "LIN-103",
            "Crash when the MCP server list is empty",
            "Done",
            "grace",
            "An empty config raised IndexError at start-up.",
        ),
        Issue(
            "LIN-104",
            "Document the OAuth callback port option",
            "Todo",
            "linus",
            "Explain mcp_oauth_callback_port for devboxes behind SSH.",
        ),
        Issue(
            "LIN-105",
            "Rotate refresh tokens in the background",
            "Backlog",
            None,
            "Refresh before expiry so tools never see a 401.",
        ),
    ]
    return {i.id: i for i in issues}


def _bearer_from(ctx: Context[Any, Any] | None) -> str | None:
    headers = ctx.headers if ctx is not None else None
    if not headers:
        return None
    for name, value in headers.items():
        if name.lower() == "authorization" and value[:7].lower() == "bearer ":
            return value[7:].strip()
    return None


def build_linear(auth: DemoAuthorizationServer) -> MCPServer[Any]:
    server = new_server(
        "linear",
        title="Linear (demo)",
        instructions="A small issue tracker. Needs OAuth; create_issue needs the issues:write scope.",
        version="1.0.0",
    )
    issues = _seed_issues()

    @server.tool(description="List issues, optionally only those in one state.")
    def list_issues(state: str | None = None) -> list[dict[str, Any]]:
        return [asdict(i) for i in issues.values() if state is None or i.state == state]

    @server.tool(description="Fetch one issue by its identifier, e.g. LIN-101.")
    def get_issue(id: str) -> dict[str, Any]:
        if id not in issues:
            raise ValueError(f"no issue {id}")
        return asdict(issues[id])

    @server.tool(description="Create an issue (needs the issues:write scope).")
    def create_issue(title: str, description: str = "") -> dict[str, Any]:
        new_id = f"LIN-{101 + len(issues)}"
        issues[new_id] = Issue(new_id, title, "Todo", None, description)
        return asdict(issues[new_id])

    @server.tool(description="Search issue titles and descriptions.")
    def search(query: str) -> list[dict[str, Any]]:
        q = query.lower()
        return [
            asdict(i) for i in issues.values() if q in i.title.lower() or q in i.description.lower()
        ]

    @server.tool(description="Who the server thinks you are: client id, scopes, token expiry.")
    def whoami(ctx: Context[Any, Any]) -> dict[str, Any]:
        token = _bearer_from(ctx)
        info = auth.verify_access_token(token) if token else None
        if info is None:
            return {"authenticated": False}
        client = auth.client(info.client_id)
        return {
            "authenticated": True,
            "client_id": info.client_id,
            "client_name": client.client_name if client else None,
            "scopes": info.scopes,
            "audience": info.audience,
            "expires_at": int(info.expires_at),
        }

    @server.resource("linear://teams", name="teams", mime_type="application/json")
    def teams() -> str:
        return json.dumps([{"key": "LIN", "name": "Platform"}, {"key": "WEB", "name": "Web"}])

    @server.resource("linear://workflow", name="workflow", mime_type="text/plain")
    def workflow() -> str:
        return "Backlog -> Todo -> In Progress -> Done"

    @server.resource("issue://{id}", name="issue", mime_type="application/json")
    def issue(id: str) -> str:
        if id not in issues:
            raise ValueError(f"no issue {id}")
        return json.dumps(asdict(issues[id]))

    @server.prompt(description="Triage one issue: severity, owner, next step.")
    def triage(issue_id: str) -> str:
        found = issues.get(issue_id)
        title = found.title if found else issue_id
        return f"Triage issue {issue_id} ({title}): rate its severity, suggest an owner and the next step."

    @server.prompt(description="Write a stand-up update from the issues in progress.")
    def standup() -> str:
        doing = ", ".join(i.id for i in issues.values() if i.state == "In Progress") or "nothing"
        return f"Write a short stand-up update. In progress: {doing}."

    return server


_DOCS = {
    "getting-started": "# Getting started\nRun `mcpdeck demo` and press `l` on linear to log in.",
    "oauth": "# OAuth\nmcpdeck discovers the authorization server through RFC 9728 metadata.",
    "config": "# Config\nServers live in $CODEX_HOME/config.toml under [mcp_servers.NAME].",
}


def _page_reader(slug: str) -> Any:
    def page() -> str:
        return _DOCS[slug]

    return page


def build_docs(name: str = "docs") -> MCPServer[Any]:
    server = new_server(
        name,
        title="Docs (demo)",
        instructions="Product documentation. Needs a static bearer token.",
        version="1.0.0",
    )

    @server.tool(description="Search the documentation; returns matching page slugs.")
    def search_docs(query: str) -> list[str]:
        q = query.lower()
        return [slug for slug, text in _DOCS.items() if q in text.lower() or q in slug]

    @server.tool(description="Return one documentation page as Markdown.")
    def read_page(slug: str) -> str:
        if slug not in _DOCS:
            raise ValueError(f"no page {slug}")
        return _DOCS[slug]

    for slug in _DOCS:
        server.resource(f"docs://pages/{slug}", name=slug, mime_type="text/markdown")(
            _page_reader(slug)
        )

    return server


def build_staging() -> MCPServer[Any]:
    server = new_server(
        "staging",
        title="Staging deploys (demo)",
        instructions="The project's staging environment. No authentication.",
        version="0.9.0",
    )
    deployments = [
        {"id": "dep-7", "service": "api", "version": "2.4.1", "status": "healthy"},
        {"id": "dep-8", "service": "web", "version": "5.0.0-rc1", "status": "degraded"},
    ]

    @server.tool(description="List the deployments on staging.")
    def list_deployments() -> list[dict[str, str]]:
        return deployments

    @server.tool(description="Health of one service on staging.")
    def service_health(service: str) -> str:
        for d in deployments:
            if d["service"] == service:
                return f"{service}: {d['status']} ({d['version']})"
        raise ValueError(f"no service {service}")

    @server.resource("staging://environment", name="environment", mime_type="text/plain")
    def environment() -> str:
        return "region=local-1 cluster=demo"

    @server.prompt(description="Write release notes for what is deployed on staging.")
    def release_notes() -> str:
        return "Write release notes for: " + ", ".join(
            f"{d['service']} {d['version']}" for d in deployments
        )

    return server


def build_broken() -> MCPServer[Any]:
    server = new_server(
        "broken",
        title="Broken on purpose (demo)",
        instructions="A server whose configuration has mistakes for mcpdeck doctor to find.",
        version="0.1.0",
    )

    @server.tool(description="Service status.")
    def status() -> str:
        return "all systems nominal"

    @server.tool(description="Recent log lines.")
    def logs(lines: int = 5) -> list[str]:
        return [f"line {n}: ok" for n in range(1, lines + 1)]

    return server
