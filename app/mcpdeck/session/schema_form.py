"""A tool's JSON Schema turned into a form model, and the form's text turned back into arguments.

Pure: no SDK, no Textual, no I/O. The TUI renders :class:`FormModel`; the CLI uses
:func:`coerce_cli_value` for ``--arg key=value``; both validate with :func:`validate_arguments`
before anything is sent. What a form cannot express (``oneOf``, arrays of objects, open-ended
objects, type unions) becomes a ``json`` field edited as raw JSON, never silently dropped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

FieldKind = Literal["string", "number", "integer", "boolean", "enum", "array", "object", "json"]
Path = tuple[str, ...]

# A schema that references itself (a tree node) must not recurse forever; deeper levels are raw JSON.
MAX_DEPTH = 6
_SCALARS = ("string", "number", "integer", "boolean")


@dataclass
class FormField:
    """One input of the form; ``path`` is the key path from the arguments object."""

    path: Path
    kind: FieldKind
    required: bool = False
    title: str = ""
    description: str = ""
    default: Any = None
    has_default: bool = False
    nullable: bool = False
    choices: list[Any] = field(default_factory=list)  # enum values
    item_kind: FieldKind | None = None  # arrays of scalars or enums: the kind of one item
    item_choices: list[Any] = field(default_factory=list)
    fields: list[FormField] = field(default_factory=list)  # object: its properties
    schema: dict[str, Any] = field(default_factory=dict)  # the (resolved) sub-schema
    why_json: str | None = None  # json fields: what the form could not express

    @property
    def key(self) -> str:
        return ".".join(self.path)

    @property
    def label(self) -> str:
        return self.path[-1] if self.path else "arguments"

    def initial_text(self) -> str:
        """What the input shows first: the default as the user would type it."""
        if not self.has_default or self.default is None:
            return ""
        return to_text(self.kind, self.default, self.item_kind)

    def leaves(self) -> list[FormField]:
        if self.kind == "object":
            return [leaf for child in self.fields for leaf in child.leaves()]
        return [self]


@dataclass
class FormModel:
    fields: list[FormField]
    schema: dict[str, Any]
    # Set when the top level itself is not a plain object: the whole form is one JSON editor.
    raw_only: str | None = None
    schema_problem: str | None = None  # the schema is not valid JSON Schema (server bug)

    def leaves(self) -> list[FormField]:
        return [leaf for f in self.fields for leaf in f.leaves()]


# -- schema → form ----------------------------------------------------------------------------


def _resolve(
    schema: Any, root: Mapping[str, Any], seen: frozenset[str]
) -> tuple[Any, str | None, frozenset[str]]:
    """Follow a local ``$ref`` (``#/$defs/X``, ``#/definitions/X``); returns the target (or the
    reason it cannot be followed) and the references followed on the way down."""
    while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
        ref: str = schema["$ref"]
        if ref in seen:
            return schema, f"recursive reference {ref}", seen
        if not ref.startswith("#/"):
            return schema, f"external reference {ref}", seen
        target: Any = root
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, Mapping) or part not in target:
                return schema, f"unresolvable reference {ref}", seen
            target = target[part]
        seen = seen | {ref}
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**target, **siblings} if isinstance(target, Mapping) else target
    return schema, None, seen


def _null_split(schema: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """``type: [X, "null"]``, ``anyOf/oneOf: [X, {type: null}]`` and ``nullable: true`` are one
    field that may also be null."""
    out = dict(schema)
    nullable = bool(out.pop("nullable", False))
    kind = out.get("type")
    if isinstance(kind, list) and "null" in kind:
        rest = [k for k in kind if k != "null"]
        nullable = True
        out["type"] = rest[0] if len(rest) == 1 else rest
    for key in ("anyOf", "oneOf"):
        options = out.get(key)
        if isinstance(options, list) and any(
            isinstance(o, Mapping) and o.get("type") == "null" for o in options
        ):
            rest = [o for o in options if not (isinstance(o, Mapping) and o.get("type") == "null")]
            if len(rest) == 1 and isinstance(rest[0], Mapping):
                del out[key]
                out = {**rest[0], **{k: v for k, v in out.items() if k not in rest[0]}}
                nullable = True
    if "enum" in out and isinstance(out["enum"], list) and None in out["enum"]:
        nullable = True
        out["enum"] = [v for v in out["enum"] if v is not None]
    return out, nullable


def _kind_of(schema: Mapping[str, Any]) -> tuple[FieldKind, str | None]:
    for key in ("oneOf", "anyOf", "allOf", "not", "if"):
        if key in schema:
            return "json", f"uses {key}"
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        if all(isinstance(v, str | int | float | bool) for v in schema["enum"]):
            return "enum", None
        return "json", "an enum of structured values"
    if "const" in schema:
        return "json", "a constant value"
    kind = schema.get("type")
    if isinstance(kind, list):
        return "json", f"one of several types ({', '.join(map(str, kind))})"
    if kind in _SCALARS:
        return kind, None
    if kind == "array":
        return "array", None
    if kind == "object" or (kind is None and "properties" in schema):
        return "object", None
    if kind is None:
        return "json", "no type given"
    return "json", f"type {kind!r}"


def _field(
    schema: Any, path: Path, required: bool, root: Mapping[str, Any], seen: frozenset[str]
) -> FormField:
    resolved, ref_problem, seen = _resolve(schema, root, seen)
    if not isinstance(resolved, Mapping):
        return FormField(path, "json", required, why_json="a schema that is not an object")
    if ref_problem:
        return FormField(path, "json", required, schema=dict(resolved), why_json=ref_problem)
    plain, nullable = _null_split(resolved)
    kind, why = _kind_of(plain)
    if kind == "object" and len(path) >= MAX_DEPTH:
        kind, why = "json", "nested too deeply"
    out = FormField(
        path=path,
        kind=kind,
        required=required,
        title=str(plain.get("title") or ""),
        description=str(plain.get("description") or ""),
        nullable=nullable,
        schema=dict(resolved),
        why_json=why,
    )
    if "default" in plain:
        out.default = plain["default"]
        out.has_default = True
    if kind == "enum":
        out.choices = list(plain["enum"])
    elif kind == "object":
        props = plain.get("properties")
        if not isinstance(props, Mapping) or not props:
            # {type: object} with no properties (or only additionalProperties): a map of
            # whatever the server accepts, which only JSON can spell.
            out.kind, out.why_json = "json", "an object with no listed properties"
        else:
            needed = set(plain.get("required") or [])
            out.fields = [
                _field(sub, (*path, str(name)), name in needed, root, seen)
                for name, sub in props.items()
            ]
    elif kind == "array":
        items, item_problem, _ = _resolve(plain.get("items", {}), root, seen)
        item_kind: FieldKind
        if isinstance(items, Mapping) and not item_problem:
            item_plain, item_nullable = _null_split(items)
            item_kind, _ = _kind_of(item_plain)
            if item_nullable:
                item_kind = "json"
        else:
            item_kind = "json"
        if item_kind in (*_SCALARS, "enum"):
            out.item_kind = item_kind
            if item_kind == "enum" and isinstance(items, Mapping):
                out.item_choices = list(items.get("enum") or [])
        else:
            out.kind, out.why_json = "json", "an array of objects or mixed values"
    return out


def build_form(schema: Mapping[str, Any] | None) -> FormModel:
    """The form for a tool's ``inputSchema`` (an absent schema is a tool without arguments)."""
    raw: dict[str, Any] = dict(schema or {})
    problem = schema_problem(raw)
    if not raw or (raw.get("type") == "object" and not raw.get("properties")):
        extra = raw.get("additionalProperties")
        if raw and extra not in (None, False):
            return FormModel([], raw, raw_only="open-ended arguments", schema_problem=problem)
        return FormModel([], raw, schema_problem=problem)
    top = _field(raw, (), True, raw, frozenset())
    if top.kind != "object":
        return FormModel([], raw, raw_only=top.why_json or "not an object", schema_problem=problem)
    return FormModel(top.fields, raw, schema_problem=problem)


def schema_problem(schema: Mapping[str, Any]) -> str | None:
    """Why ``schema`` is not valid JSON Schema, in one line; None when it is."""
    if not schema:
        return None
    import jsonschema

    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = "/".join(str(p) for p in exc.path)
        return f"{exc.message}" + (f" (at {where})" if where else "")
    return None


# -- text ↔ values ----------------------------------------------------------------------------


def to_text(kind: FieldKind, value: Any, item_kind: FieldKind | None = None) -> str:
    """A value as the user would type it in a field of ``kind``."""
    if kind in ("string", "enum") and isinstance(value, str):
        return value
    if (
        kind in ("number", "integer")
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        return str(value)
    if (
        kind == "array"
        and isinstance(value, list)
        and item_kind in ("string", "enum")
        and all(isinstance(v, str) and "," not in v for v in value)
    ):
        return ", ".join(value)
    return json.dumps(value, ensure_ascii=False)


class FieldValueError(ValueError):
    """A field's text that is not a value of its kind; the message is for the user."""


def _scalar(kind: FieldKind, text: str, choices: list[Any]) -> Any:
    stripped = text.strip()
    if kind == "string":
        return text
    if kind == "integer":
        try:
            return int(stripped)
        except ValueError:
            try:
                number = float(stripped)
            except ValueError:
                raise FieldValueError(f"{stripped!r} is not an integer") from None
            if number.is_integer():
                return int(number)
            raise FieldValueError(f"{stripped!r} is not an integer") from None
    if kind == "number":
        try:
            number = float(stripped)
        except ValueError:
            raise FieldValueError(f"{stripped!r} is not a number") from None
        if not math.isfinite(number):
            raise FieldValueError(f"{stripped!r} is not a finite number")
        return int(number) if number.is_integer() and "." not in stripped else number
    if kind == "boolean":
        lowered = stripped.lower()
        if lowered in ("true", "yes", "1", "on"):
            return True
        if lowered in ("false", "no", "0", "off"):
            return False
        raise FieldValueError(f"{stripped!r} is not true or false")
    if kind == "enum":
        for choice in choices:
            if stripped == (choice if isinstance(choice, str) else json.dumps(choice)):
                return choice
        shown = ", ".join(c if isinstance(c, str) else json.dumps(c) for c in choices)
        raise FieldValueError(f"{stripped!r} is not one of: {shown}")
    return _json(text)


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FieldValueError(
            f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None


def parse_text(leaf: FormField, text: str) -> Any:
    """The value of one field from its text; raises FieldValueError with words for the user."""
    if leaf.nullable and text.strip() == "null":
        return None
    if leaf.kind == "array":
        stripped = text.strip()
        if stripped.startswith("["):
            value = _json(stripped)
            if not isinstance(value, list):
                raise FieldValueError("not a JSON array")
            return value
        parts = [p.strip() for p in stripped.split(",")] if stripped else []
        item = leaf.item_kind or "json"
        return [_scalar(item, p, leaf.item_choices) for p in parts]
    return _scalar(leaf.kind, text, leaf.choices)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def collect_arguments(
    model: FormModel, values: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Arguments from the form's values (``FormField.key`` → text, bool for booleans, or the
    chosen enum value); returns (arguments, errors by field key).

    An empty optional field is left out, so the server applies its own default; an empty
    required field is an error.
    """
    args: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for leaf in model.leaves():
        raw = values.get(leaf.key)
        if leaf.kind == "boolean" and isinstance(raw, bool):
            value: Any = raw
        elif leaf.kind == "enum" and raw is not None and not isinstance(raw, str):
            value = raw
        elif _is_blank(raw):
            if _required_chain(model, leaf.path):
                errors[leaf.key] = "required"
            continue
        else:
            try:
                value = parse_text(leaf, str(raw))
            except FieldValueError as exc:
                errors[leaf.key] = str(exc)
                continue
        _put(args, leaf.path, value)
    return args, errors


def _required_chain(model: FormModel, path: Path) -> bool:
    """Required at every level: a required field inside an optional object the user left
    empty is not required."""
    fields = model.fields
    for part in path:
        found = next((f for f in fields if f.path[-1] == part), None)
        if found is None or not found.required:
            return False
        fields = found.fields
    return True


def _put(target: dict[str, Any], path: Path, value: Any) -> None:
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value


def validate_arguments(schema: Mapping[str, Any], arguments: Any) -> dict[str, str]:
    """Errors of ``arguments`` against ``schema`` by field key ("" for the top level).

    An invalid schema validates nothing (the form says the schema itself is broken).
    """
    if not schema:
        return {}
    import jsonschema

    try:
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
    except jsonschema.SchemaError:
        return {}
    errors: dict[str, str] = {}
    for error in sorted(cls(schema).iter_errors(arguments), key=lambda e: list(e.path)):
        path = [str(p) for p in error.path]
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = [
                name
                for name in error.validator_value
                if isinstance(name, str) and name not in error.instance
            ]
            for name in missing:
                errors.setdefault(".".join([*path, name]), "required")
            continue
        errors.setdefault(".".join(path), error.message)
    return errors


# -- the CLI's --arg key=value ------------------------------------------------------------------


def find_leaf(model: FormModel, key: str) -> FormField | None:
    """The field a dotted ``key`` names (``filter.state``), leaves and json fields alike."""
    for leaf in model.leaves():
        if leaf.key == key:
            return leaf
    return None


def coerce_cli_value(model: FormModel, key: str, text: str) -> Any:
    """``--arg key=value``: typed by the schema when it names the key, else JSON when the text
    parses as JSON, else the string itself."""
    leaf = find_leaf(model, key)
    if leaf is not None:
        if leaf.kind == "string" and not (leaf.nullable and text == "null"):
            return text
        return parse_text(leaf, text)
    try:
        return json.loads(text)
    except ValueError:
        return text


def put_path(target: dict[str, Any], key: str, value: Any) -> None:
    """Set ``a.b.c`` in a nested dict (the CLI's dotted keys)."""
    _put(target, tuple(key.split(".")), value)
