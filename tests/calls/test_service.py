"""The call service against real servers: progress as it arrives, cancellation that tells the
server (``notifications/cancelled`` on the wire), and every content kind of server-everything."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from mcpdeck.config.loader import load_config
from mcpdeck.oauth.trace import FlowEvent, FlowTrace
from mcpdeck.session.calls import run_call
from mcpdeck.session.results import Progress
from tests.calls.everything import serve_http, stdio_config


@pytest.fixture
def everything_http(tmp_path: Path):  # type: ignore[no-untyped-def]
    with serve_http() as url:
        (tmp_path / "config.toml").write_text(f'[mcp_servers.everything]\nurl = "{url}"\n')
        yield load_config(tmp_path, tmp_path)


async def test_cancel_sends_the_mcp_cancellation_notification(everything_http) -> None:  # type: ignore[no-untyped-def]
    loaded = everything_http
    events: list[FlowEvent] = []
    first_progress = asyncio.Event()

    def on_progress(_: Progress) -> None:
        first_progress.set()

    call = asyncio.create_task(
        run_call(
            loaded.servers["everything"],
            loaded,
            None,
            "tool",
            "trigger-long-running-operation",
            {"duration": 30, "steps": 30},
            on_progress=on_progress,
            trace=FlowTrace(events.append),
        )
    )
    await asyncio.wait_for(first_progress.wait(), 20)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    sent = [e.data.get("rpc_method") for e in events if e.step == "http"]
    assert "tools/call" in sent
    assert "notifications/cancelled" in sent
    assert sent.index("notifications/cancelled") > sent.index("tools/call")


async def test_progress_arrives_in_order_with_the_result(everything_http) -> None:  # type: ignore[no-untyped-def]
    loaded = everything_http
    seen: list[Progress] = []
    result = await run_call(
        loaded.servers["everything"],
        loaded,
        None,
        "tool",
        "trigger-long-running-operation",
        {"duration": 1, "steps": 3},
        on_progress=seen.append,
    )
    assert result.outcome == "ok", result.error
    assert [(p.progress, p.total) for p in seen] == [(1, 3), (2, 3), (3, 3)]
    assert result.progress == seen
    assert result.items[0].text.startswith("Long running operation completed")
    # The exchange is kept for the raw view: the request as sent, the response as received.
    assert result.request["params"]["arguments"] == {"duration": 1, "steps": 3}
    assert result.response is not None and "result" in result.response
    assert any(e["rpc_method"] == "tools/call" for e in result.exchanges)


async def test_every_content_kind_of_server_everything(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(stdio_config())
    loaded = load_config(tmp_path, tmp_path)
    server = loaded.servers["everything"]

    image = await run_call(server, loaded, None, "tool", "get-tiny-image", {})
    assert [i.kind for i in image.items] == ["text", "image", "text"]
    assert image.items[1].mime_type == "image/png" and image.items[1].size
    assert image.items[1].data

    links = await run_call(server, loaded, None, "tool", "get-resource-links", {"count": 2})
    assert [i.kind for i in links.items] == ["text", "resource_link", "resource_link"]
    assert links.items[1].uri == "demo://resource/dynamic/blob/1"

    embedded = await run_call(
        server,
        loaded,
        None,
        "tool",
        "get-resource-reference",
        {"resourceType": "Blob", "resourceId": 2},
    )
    kinds = [i.kind for i in embedded.items]
    assert "resource" in kinds
    blob = embedded.items[kinds.index("resource")]
    assert blob.uri == "demo://resource/dynamic/blob/2" and blob.data and blob.size

    structured = await run_call(
        server, loaded, None, "tool", "get-structured-content", {"location": "New York"}
    )
    assert structured.has_structured and structured.output_check == "valid"

    read = await run_call(
        server, loaded, None, "resource", "demo://resource/static/document/features.md"
    )
    assert read.outcome == "ok" and read.items[0].kind == "markdown"

    prompt = await run_call(server, loaded, None, "prompt", "args-prompt", {"city": "Paris"})
    assert prompt.outcome == "ok" and prompt.roles == ["user"]
    assert "Paris" in prompt.items[0].text
