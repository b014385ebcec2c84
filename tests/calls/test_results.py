"""Results as received: content kinds, structured content against outputSchema, isError."""

from __future__ import annotations

import base64
from pathlib import Path

from mcpdeck.session.results import CallResult, content_item, save_item, tool_result

SCHEMA = {
    "type": "object",
    "properties": {"temperature": {"type": "number"}},
    "required": ["temperature"],
}


def _tool(raw: dict, schema: dict | None = None) -> CallResult:  # type: ignore[type-arg]
    result = CallResult("tool", "srv", "t")
    tool_result(result, raw, schema)
    return result


def test_text_markdown_and_json_are_told_apart() -> None:
    assert content_item({"type": "text", "text": "plain words"}).kind == "text"
    assert content_item({"type": "text", "text": "# Title\n\n- one\n- two"}).kind == "markdown"
    item = content_item({"type": "text", "text": '{"a": [1, 2]}'})
    assert item.kind == "json" and item.text == '{\n  "a": [\n    1,\n    2\n  ]\n}'


def test_binary_content_is_described_and_bad_base64_is_said() -> None:
    data = base64.b64encode(b"x" * 2048).decode()
    image = content_item({"type": "image", "data": data, "mimeType": "image/png"})
    assert (image.text, image.size) == ("image (image/png), 2.0 KiB", 2048)
    broken = content_item({"type": "audio", "data": "not base64!", "mimeType": "audio/wav"})
    assert broken.problem == "bad base64" and broken.data is None
    assert content_item({"type": "video"}).kind == "unknown"


def test_structured_content_is_checked_against_the_output_schema() -> None:
    good = _tool({"content": [], "structuredContent": {"temperature": 20}}, SCHEMA)
    assert good.output_check == "valid" and good.ok
    bad = _tool({"content": [], "structuredContent": {"temperature": "hot"}}, SCHEMA)
    assert (
        bad.output_check
        == "does not match outputSchema: 'hot' is not of type 'number' at temperature"
    )
    assert bad.ok  # shown faithfully, flagged, not refused
    absent = _tool({"content": [{"type": "text", "text": "20"}]}, SCHEMA)
    assert (
        absent.output_check == "the tool declares an outputSchema but returned no structuredContent"
    )
    assert _tool({"content": []}).output_check is None


def test_is_error_results_are_errors_in_words() -> None:
    result = _tool(
        {"content": [{"type": "text", "text": "no issue LIN-9\nat line 3"}], "isError": True},
        SCHEMA,
    )
    assert result.outcome == "tool_error" and result.error == "no issue LIN-9"
    assert result.output_check is None


def test_saved_files_are_named_by_mcpdeck_not_the_server(tmp_path: Path) -> None:
    item = content_item(
        {"type": "image", "data": base64.b64encode(b"\x89PNG").decode(), "mimeType": "image/png"}
    )
    path = save_item(tmp_path / "out", "../../etc/passwd", 0, item)
    assert path == tmp_path / "out" / "etc-passwd-1.png"
    assert path.read_bytes() == b"\x89PNG"


def test_uri_templates_expand_their_variables() -> None:
    from mcpdeck.tui.uri_template import expand_template, template_schema

    assert template_schema("issue://{id}/comments{?page,size}") == {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "page": {"type": "string"},
            "size": {"type": "string"},
        },
        "required": ["id"],
    }
    assert expand_template("issue://{id}", {"id": "LIN 1/2"}) == "issue://LIN%201%2F2"
    assert expand_template("file://{+path}", {"path": "a/b c"}) == "file://a/b%20c"
    assert expand_template("i://{id}{?page,size}", {"id": "1", "size": "5"}) == "i://1?size=5"
    assert expand_template("i://{id}{?page}", {"id": "1"}) == "i://1"
