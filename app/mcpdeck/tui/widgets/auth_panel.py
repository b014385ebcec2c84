"""The auth panel beside the list: everything about the selected server's authentication."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from mcpdeck.config.model import ServerConfig
from mcpdeck.tui.format import (
    STATUS_LOOK,
    ago,
    clock_time,
    endpoint,
    field_layers,
    long_time_left,
    source_badge,
    status_key,
    transport_word,
    wrap_path,
)
from mcpdeck.tui.model import Probe
from mcpdeck.tui.safe_text import markup


@dataclass
class PanelFacts:
    server: ServerConfig
    probe: Probe | None
    checking: bool
    last_error: str | None
    bearer_set: bool | None  # None when the server has no bearer_token_env_var
    refreshing: bool = False  # a background token refresh is in flight
    refreshed_at: float | None = None  # the last background refresh that stored new tokens


def _tui_words(detail: str, name: str) -> str:
    """The status detail speaks CLI ("run `mcpdeck login x`"); here one key does it."""
    detail = detail.replace(f"run `mcpdeck login {name}`", "press l to log in")
    # The Expires row below counts down live; a frozen "valid for …" would contradict it.
    return re.sub(r"; token valid for [^;]*", "", detail)


class AuthPanel(VerticalScroll):
    """Re-rendered on selection, on new results and every second (the countdown)."""

    def __init__(self, scrub: Callable[[str], str], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._scrub = scrub
        self._facts: PanelFacts | None = None
        self._shown: Content | None = None
        self._empty = Content.from_markup("[dim]No server selected.[/]")

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(id="auth-body")

    def show(self, facts: PanelFacts | None, now: float, *, empty: Content | None = None) -> None:
        """``empty`` says why nothing is selected, e.g. a filter that matches nothing."""
        self._facts = facts
        self._empty = empty or Content.from_markup("[dim]No server selected.[/]")
        self.tick(now)

    def on_resize(self) -> None:
        if self._facts is not None:  # paths are wrapped to the width
            self._shown = None
            self.tick(self.app.clock())  # type: ignore[attr-defined]

    def tick(self, now: float) -> None:
        content = self._content(now) if self._facts else self._empty
        if content != self._shown:  # the countdown ticks every second; most seconds change nothing
            self._shown = content
            body = self.query_one("#auth-body", Static)
            # A layout pass reflows and repaints the whole screen: 10-15 ms per key press with
            # 1000 servers (cProfile). Moving between servers rarely changes the panel's height.
            width = body.content_size.width
            same_height = width > 0 and content.get_height(body.styles.get_rules(), width) == (
                body.content_size.height
            )
            body.update(content, layout=not same_height)

    def _m(self, template: str, /, **values: object) -> Content:
        return markup(template, self._scrub, **values)

    def _content(self, now: float) -> Content:
        f = self._facts
        assert f is not None
        s = f.server
        p = f.probe
        key = status_key(s, p, f.checking, f.bearer_set)
        glyph, word, var = STATUS_LOOK[key]
        badge, badge_var = source_badge(s)
        m = self._m
        lines = [m(f"[b]$name[/b]  [${badge_var}]{badge}[/]", name=s.name)]
        lines.append(Content.from_markup(f"[${var}]{glyph} {word}[/]"))
        if p is not None and p.detail:
            lines.append(m("$detail", detail=_tui_words(p.detail, s.name)))
        elif key == "checking":
            lines.append(Content.from_markup("  [dim]asking the server…[/]"))
        lines.append(Content(""))

        def row(label: str, value: str, /, **values: object) -> None:
            # ``value`` is mcpdeck's markup; outside text only through ``values``.
            lines.append(
                Content.assemble(Content.styled(f"{label:<12}", "bold"), m(value, **values))
            )

        row("Transport", "$kind  $endpoint", kind=transport_word(s), endpoint=endpoint(s))
        if s.source is not None:
            width = max(self.content_region.width - 12, 20)
            parts = wrap_path(self._scrub(str(s.source.file)), width)
            row("Defined in", "$file", file=parts[0])
            for part in parts[1:]:  # continued under the value, never under the label
                lines.append(Content.assemble(" " * 12, m("$file", file=part)))
        layers = field_layers(s)
        if len(layers) > 1:  # which layer each field came from
            for layer, label in (("user", "User layer"), ("project", "Proj layer")):
                if layers.get(layer):
                    row(label, "$keys", keys=", ".join(layers[layer]))
        if s.inactive_reason:
            row("Not active", "[$warning]$reason[/]", reason=s.inactive_reason)
        if s.transport == "streamable_http":
            self._oauth_rows(row, f, now)
        if s.bearer_token_env_var:
            state = (
                "[$success]set[/]"
                if f.bearer_set
                else "[$error]not set: the server gets no token[/]"
            )
            row("Bearer env", f"$var {state}", var=s.bearer_token_env_var)
        if f.last_error and not (p is not None and p.failed and f.last_error == p.detail):
            lines.append(Content(""))
            lines.append(m("[$error][b]Last error[/b][/]  $why", why=f.last_error))
        if p is not None and p.checked_at is not None:
            lines.append(Content(""))
            lines.append(Content.from_markup(f"[dim]checked {ago(max(now - p.checked_at, 0))}[/]"))
        return Content("\n").join(lines)

    def _oauth_rows(
        self,
        row: Callable[..., None],
        f: PanelFacts,
        now: float,
    ) -> None:
        s, p = f.server, f.probe
        requested = (p.requested_scopes if p and p.requested_scopes else None) or s.scopes or []
        granted = p.granted_scopes if p else []
        if p and p.store:
            row("Store", "$store", store=p.store)
        else:
            row("Store", "[dim]nothing stored[/]")
        if requested:
            row("Scopes", "requested $scopes", scopes=" ".join(requested))
        else:
            row("Scopes", "requested [dim](server default)[/]")
        if p is not None and p.store:
            missing = [x for x in requested if x not in granted]
            note = "  [$warning](not granted: $missing)[/]" if missing else ""
            have = "$granted" if granted else "[dim](none listed)[/]"
            row("", f"granted   {have}{note}", granted=" ".join(granted), missing=" ".join(missing))
        if p is not None and p.expires_at is not None:
            left = p.expires_at - now
            when = clock_time(p.expires_at)
            if left > 0:
                colour = "$warning" if left < 60 else "$success"
                row("Expires", f"{when}  [{colour}]in {long_time_left(left)}[/]")
            else:
                row("Expires", f"{when}  [$warning]expired[/]")
        if p is not None and p.store:
            row("Refreshable", "[$success]yes[/]" if p.refreshable else "[$warning]no[/]")
        if f.refreshing:
            row("Refreshed", "[$warning]↻ refreshing in the background…[/]")
        elif f.refreshed_at is not None and p is not None and p.auth_status == "authenticated":
            row("Refreshed", f"{clock_time(f.refreshed_at)}  [dim]in the background[/]")
        if p is not None and p.issuer:
            row("Issuer", "$issuer", issuer=p.issuer)
        # The store knows when the tokens were issued, even for a login made elsewhere.
        if p is not None and p.obtained_at is not None:
            obtained = p.obtained_at
            row("Last login", f"{clock_time(obtained)} ({ago(max(now - obtained, 0))})")
        if s.oauth_resource:
            row("Resource", "$resource", resource=s.oauth_resource)
