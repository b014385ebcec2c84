"""Schema → form over a corpus of real schemas (the demo servers', server-everything's) and
hand-written edge cases; then the form's text → arguments → validation before sending."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from mcpdeck.session.schema_form import (
    FormField,
    FormModel,
    build_form,
    coerce_cli_value,
    collect_arguments,
    validate_arguments,
)

# -- the corpus ----------------------------------------------------------------------------------


def _demo_schemas() -> dict[str, dict[str, Any]]:
    from mcpdeck.demo.authorization_server import DemoAuthorizationServer
    from mcpdeck.demo.servers import build_broken, build_docs, build_linear, build_staging
    from mcpdeck.demo.stdio_server import build_local

    servers = {
        "linear": build_linear(DemoAuthorizationServer()),
        "docs": build_docs(),
        "staging": build_staging(),
        "broken": build_broken(),
        "local": build_local(),
    }
    out: dict[str, dict[str, Any]] = {}
    for name, server in servers.items():
        for tool in asyncio.run(server.list_tools()):
            out[f"{name}.{tool.name}"] = dict(tool.input_schema)
    return out


def _everything_schemas(tmp: Path) -> dict[str, dict[str, Any]]:
    from mcpdeck.config.loader import load_config
    from mcpdeck.session.connect import open_session
    from tests.calls.everything import stdio_config

    (tmp / "config.toml").write_text(stdio_config())
    loaded = load_config(tmp, tmp)

    async def listing() -> dict[str, dict[str, Any]]:
        async with open_session(loaded.servers["everything"]) as session:
            page = await session.raw.list_tools()
            return {
                f"everything.{t.name}": t.model_dump(mode="json", by_alias=True)["inputSchema"]
                for t in page.tools
            }

    return asyncio.run(listing())


EDGE_CASES: dict[str, dict[str, Any]] = {
    "nested object": {
        "type": "object",
        "properties": {
            "filter": {
                "type": "object",
                "description": "what to match",
                "properties": {
                    "state": {"type": "string", "enum": ["open", "closed"]},
                    "limit": {"type": "integer", "minimum": 1, "default": 10},
                },
                "required": ["state"],
            },
            "query": {"type": "string"},
        },
        "required": ["filter"],
    },
    "array of objects": {
        "type": "object",
        "properties": {
            "items": {
                "type": "array",
                "items": {"type": "object", "properties": {"sku": {"type": "string"}}},
            },
            "tags": {"type": "array", "items": {"type": "string"}},
            "sizes": {"type": "array", "items": {"type": "integer"}},
        },
        "required": ["items"],
    },
    "enums": {
        "type": "object",
        "properties": {
            "color": {"enum": ["red", "green", "blue"], "default": "green"},
            "level": {"type": "integer", "enum": [1, 2, 3]},
            "modes": {"type": "array", "items": {"enum": ["fast", "safe"]}},
        },
    },
    "nullable": {
        "type": "object",
        "properties": {
            "a": {"type": ["string", "null"]},
            "b": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None},
            "c": {"type": "string", "nullable": True},
            "d": {"enum": ["x", "y", None]},
        },
    },
    "oneOf": {
        "type": "object",
        "properties": {
            "target": {
                "oneOf": [
                    {
                        "type": "object",
                        "properties": {"id": {"type": "integer"}},
                        "required": ["id"],
                    },
                    {
                        "type": "object",
                        "properties": {"name": {"type": "string"}},
                        "required": ["name"],
                    },
                ]
            },
            "note": {"type": "string"},
        },
        "required": ["target"],
    },
    "refs (pydantic $defs)": {
        "$defs": {
            "Address": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "zip": {"type": "string"}},
                "required": ["city"],
            }
        },
        "type": "object",
        "properties": {"address": {"$ref": "#/$defs/Address"}},
        "required": ["address"],
    },
    "recursive": {
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {"value": {"type": "integer"}, "next": {"$ref": "#/$defs/Node"}},
            }
        },
        "type": "object",
        "properties": {"head": {"$ref": "#/$defs/Node"}},
    },
    "open map": {
        "type": "object",
        "properties": {"labels": {"type": "object", "additionalProperties": {"type": "string"}}},
    },
    "no arguments": {"type": "object"},
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    schemas = {**_demo_schemas(), **_everything_schemas(tmp_path_factory.mktemp("everything"))}
    schemas.update({f"edge.{k}": v for k, v in EDGE_CASES.items()})
    return schemas


def _sample(leaf: FormField) -> Any:
    """What a user would type into ``leaf`` (the default when there is one)."""
    if leaf.has_default and leaf.default is not None:
        return leaf.initial_text() if leaf.kind != "boolean" else leaf.default
    schema = leaf.schema
    if leaf.kind == "boolean":
        return True
    if leaf.kind == "enum":
        return leaf.choices[0]
    if leaf.kind in ("integer", "number"):
        return str(schema.get("minimum", 2))
    if leaf.kind == "array":
        return (
            str(leaf.item_choices[0])
            if leaf.item_choices
            else ("1" if leaf.item_kind in ("integer", "number") else "a")
        )
    if leaf.kind == "json":
        return None  # raw JSON only when required, below
    return "https://example.com/x" if schema.get("format") == "uri" else "New York"


def _fill(model: FormModel) -> dict[str, Any]:
    return {leaf.key: _sample(leaf) for leaf in model.leaves()}


# -- tests ---------------------------------------------------------------------------------------


def test_the_corpus_has_real_schemas_from_both_sources(corpus: dict[str, dict[str, Any]]) -> None:
    assert {"linear.create_issue", "local.add", "everything.get-sum", "everything.echo"} <= set(
        corpus
    )
    assert len([k for k in corpus if k.startswith("everything.")]) >= 10


def test_every_property_of_every_schema_becomes_a_field(corpus: dict[str, dict[str, Any]]) -> None:
    for name, schema in corpus.items():
        model = build_form(schema)
        assert model.schema_problem is None, name
        assert model.raw_only is None, name
        props = schema.get("properties") or {}
        assert [f.label for f in model.fields] == list(props), name
        required = set(schema.get("required") or [])
        assert {f.label for f in model.fields if f.required} == required, name


def test_filled_forms_validate_against_their_schema(corpus: dict[str, dict[str, Any]]) -> None:
    checked = 0
    for name, schema in corpus.items():
        model = build_form(schema)
        if any(leaf.kind == "json" and leaf.required for leaf in model.leaves()):
            continue  # raw JSON fields are tested on their own below
        args, errors = collect_arguments(model, _fill(model))
        assert errors == {}, name
        assert validate_arguments(schema, args) == {}, (name, args)
        checked += 1
    assert checked >= 25


def test_kinds_defaults_and_descriptions_of_real_tools(corpus: dict[str, dict[str, Any]]) -> None:
    fields = {f.label: f for f in build_form(corpus["everything.get-resource-reference"]).fields}
    assert fields["resourceType"].kind == "enum"
    assert fields["resourceType"].choices == ["Text", "Blob"]
    assert fields["resourceType"].initial_text() == "Text"
    assert fields["resourceId"].kind == "number"
    assert fields["resourceId"].description == "ID of the text resource to fetch"
    state = build_form(corpus["linear.list_issues"]).fields[0]
    assert (state.kind, state.nullable, state.required) == ("string", True, False)
    create = {f.label: f for f in build_form(corpus["linear.create_issue"]).fields}
    assert create["title"].required and not create["description"].required
    add = build_form(corpus["local.add"]).fields
    assert [f.kind for f in add] == ["integer", "integer"]


def test_edge_cases_become_the_right_kinds() -> None:
    nested = build_form(EDGE_CASES["nested object"])
    assert [(leaf.key, leaf.kind, leaf.required) for leaf in nested.leaves()] == [
        ("filter.state", "enum", True),
        ("filter.limit", "integer", False),
        ("query", "string", False),
    ]
    arrays = {f.label: f for f in build_form(EDGE_CASES["array of objects"]).fields}
    assert arrays["items"].kind == "json" and arrays["items"].why_json
    assert (arrays["tags"].kind, arrays["tags"].item_kind) == ("array", "string")
    assert (arrays["sizes"].kind, arrays["sizes"].item_kind) == ("array", "integer")
    enums = {f.label: f for f in build_form(EDGE_CASES["enums"]).fields}
    assert enums["level"].choices == [1, 2, 3]
    assert enums["modes"].item_choices == ["fast", "safe"]
    nullable = build_form(EDGE_CASES["nullable"]).fields
    assert all(f.nullable for f in nullable)
    assert [f.kind for f in nullable] == ["string", "integer", "string", "enum"]
    one_of = {f.label: f for f in build_form(EDGE_CASES["oneOf"]).fields}
    assert one_of["target"].kind == "json" and "oneOf" in (one_of["target"].why_json or "")
    assert one_of["note"].kind == "string"
    refs = build_form(EDGE_CASES["refs (pydantic $defs)"])
    assert [leaf.key for leaf in refs.leaves()] == ["address.city", "address.zip"]
    recursive = build_form(EDGE_CASES["recursive"])
    assert any(
        leaf.kind == "json" and "recursive" in (leaf.why_json or "") for leaf in recursive.leaves()
    )
    assert build_form(EDGE_CASES["open map"]).fields[0].kind == "json"
    assert build_form(EDGE_CASES["no arguments"]).fields == []


def test_raw_json_fields_and_nested_values_are_assembled() -> None:
    model = build_form(EDGE_CASES["oneOf"])
    args, errors = collect_arguments(model, {"target": '{"id": 7}', "note": ""})
    assert (args, errors) == ({"target": {"id": 7}}, {})
    assert validate_arguments(model.schema, args) == {}
    nested = build_form(EDGE_CASES["nested object"])
    args, errors = collect_arguments(nested, {"filter.state": "open", "filter.limit": "5"})
    assert args == {"filter": {"state": "open", "limit": 5}} and errors == {}


def test_validation_errors_name_the_field_in_words() -> None:
    model = build_form(EDGE_CASES["nested object"])
    _, errors = collect_arguments(model, {"filter.limit": "ten"})
    assert errors == {"filter.state": "required", "filter.limit": "'ten' is not an integer"}
    _, errors = collect_arguments(build_form(EDGE_CASES["oneOf"]), {"target": "{id: 7"})
    assert errors["target"].startswith("not valid JSON")
    # The schema's own rules (minimum, oneOf) are checked before sending.
    assert validate_arguments(
        EDGE_CASES["nested object"], {"filter": {"state": "open", "limit": 0}}
    ) == {"filter.limit": "0 is less than the minimum of 1"}
    problems = validate_arguments(EDGE_CASES["oneOf"], {"target": {"id": 1, "name": "x"}})
    assert list(problems) == ["target"]
    assert validate_arguments(EDGE_CASES["nested object"], {}) == {"filter": "required"}


def test_a_broken_schema_is_reported_not_trusted() -> None:
    model = build_form({"type": "object", "properties": {"n": {"type": "integr"}}})
    assert model.schema_problem and "integr" in model.schema_problem
    assert model.fields[0].kind == "json"
    assert validate_arguments(model.schema, {"n": 1}) == {}


def test_nullable_fields_take_null_and_enums_take_their_values() -> None:
    model = build_form(EDGE_CASES["nullable"])
    args, errors = collect_arguments(model, {"a": "null", "b": "3", "d": "y"})
    assert errors == {} and args == {"a": None, "b": 3, "d": "y"}
    assert validate_arguments(model.schema, args) == {}
    _, errors = collect_arguments(model, {"d": "z"})
    assert errors == {"d": "'z' is not one of: x, y"}


def test_cli_values_are_typed_by_the_schema() -> None:
    model = build_form(EDGE_CASES["array of objects"])
    assert coerce_cli_value(model, "sizes", "1, 2,3") == [1, 2, 3]
    assert coerce_cli_value(model, "tags", '["a,b", "c"]') == ["a,b", "c"]
    assert coerce_cli_value(model, "items", '[{"sku": "x"}]') == [{"sku": "x"}]
    assert coerce_cli_value(model, "unknown", "42") == 42
    assert coerce_cli_value(model, "unknown", "hello") == "hello"
    nested = build_form(EDGE_CASES["nested object"])
    assert coerce_cli_value(nested, "filter.limit", "3") == 3
    assert coerce_cli_value(build_form(EDGE_CASES["nullable"]), "a", "007") == "007"
