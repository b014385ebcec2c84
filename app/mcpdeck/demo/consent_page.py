"""The demo authorization server's HTML pages: self-contained, no external assets."""

from __future__ import annotations

from html import escape

_STYLE = """
body { font-family: system-ui, sans-serif; background: #f4f5f7; color: #1d1f23; margin: 0; }
main { max-width: 34rem; margin: 4rem auto; background: #fff; border-radius: 10px;
       padding: 2rem 2.2rem; box-shadow: 0 2px 12px rgba(0,0,0,.08); }
h1 { font-size: 1.3rem; margin-top: 0; }
.badge { display: inline-block; font-size: .75rem; background: #e8eefc; color: #2747a8;
         border-radius: 4px; padding: .1rem .45rem; margin-bottom: 1rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1rem; }
dt { color: #5b6270; } dd { margin: 0; word-break: break-all; }
ul.scopes { margin: 0; padding-left: 1.1rem; }
code { background: #f0f1f3; border-radius: 3px; padding: 0 .25rem; }
.actions { display: flex; gap: .8rem; margin-top: 1.6rem; }
button { font-size: 1rem; border-radius: 6px; padding: .55rem 1.4rem; cursor: pointer;
         border: 1px solid #c5c9d1; background: #fff; }
button.approve { background: #2747a8; border-color: #2747a8; color: #fff; }
p.note { color: #5b6270; font-size: .85rem; margin-top: 1.4rem; }
"""


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{_STYLE}</style></head><body><main>{body}</main></body></html>\n"
    )


def consent_page(
    *,
    request_id: str,
    client_name: str,
    client_id: str,
    scopes: list[str],
    resource: str,
    issuer: str,
    decision_path: str,
) -> str:
    scope_items = "".join(f"<li><code>{escape(s)}</code></li>" for s in scopes) or "<li>(none)</li>"
    body = f"""
<span class="badge">mcpdeck demo authorization server</span>
<h1>Authorize {escape(client_name)}?</h1>
<p><strong>{escape(client_name)}</strong> asks to access an MCP server on your behalf.</p>
<dl>
  <dt>Client</dt><dd>{escape(client_name)} <code>{escape(client_id)}</code></dd>
  <dt>Scopes</dt><dd><ul class="scopes" id="scopes">{scope_items}</ul></dd>
  <dt>Resource</dt><dd id="resource"><code>{escape(resource)}</code></dd>
  <dt>Issuer</dt><dd><code>{escape(issuer)}</code></dd>
</dl>
<form method="post" action="{escape(decision_path)}">
  <input type="hidden" name="request_id" value="{escape(request_id)}">
  <div class="actions">
    <button type="submit" id="approve" class="approve" name="decision" value="approve">Approve</button>
    <button type="submit" id="deny" name="decision" value="deny">Deny</button>
  </div>
</form>
<p class="note">This page is served on 127.0.0.1 by <code>mcpdeck demo</code>; no account is involved.</p>
"""
    return _page(f"Authorize {client_name}", body)


def error_page(title: str, detail: str) -> str:
    body = (
        '<span class="badge">mcpdeck demo authorization server</span>'
        f'<h1>{escape(title)}</h1><p id="error">{escape(detail)}</p>'
    )
    return _page(title, body)
