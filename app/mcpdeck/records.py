"""Plain record classes for the types every command loads at start-up (config, status, stored
credentials), without the ``dataclasses`` module.

Why not ``@dataclass``: ``import dataclasses`` brings in inspect, ast, dis and tokenize, and each
``@dataclass`` compiles its ``__init__``/``__repr__``/``__eq__`` with ``exec``. For the 16 classes
on the path of ``mcpdeck list`` that was about 15 ms of CPU per run (``list --json --offline`` on
100 servers: 68 → 52 ms, median CPU time of 20 runs). Here one generic ``__init__`` per class does
the same job with no code generation; an instance costs a few µs more (5 µs for a ServerConfig).

The API is the subset of dataclasses the project uses: ``@record`` / ``@record(frozen=True)``,
``field(default=…, default_factory=…, repr=False)``, ``replace``, ``as_dict``, ``field_names``.
Type checkers read ``@record`` as a dataclass (PEP 681, ``dataclass_transform``). The rest of
the code base keeps ``dataclasses``: only start-up paths need this.

The modules on those paths import ``typing`` only for type checkers (``TYPE_CHECKING = False``,
which mypy reads as true): importing it costs 3-4 ms of every start-up (``python -I -c "import
json, argparse, pathlib"`` 35 ms, with ``typing`` 39 ms; the median of 60 runs each).
"""

from __future__ import annotations

from collections.abc import Callable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeVar, dataclass_transform, overload

    T = TypeVar("T")
else:

    def dataclass_transform(**_: object) -> Callable[[Callable[..., object]], object]:
        return lambda func: func


_MISSING: Any = object()


class FrozenInstanceError(AttributeError):
    """Assigning to a field of a frozen record (as ``dataclasses.FrozenInstanceError``)."""


class _Field:
    __slots__ = ("default", "factory", "repr")

    def __init__(self, default: Any, factory: Any, repr: bool) -> None:
        self.default = default
        self.factory = factory
        self.repr = repr


if TYPE_CHECKING:

    @overload
    def field(*, default: T, repr: bool = True) -> T: ...
    @overload
    def field(*, default_factory: Callable[[], T], repr: bool = True) -> T: ...


def field(*, default: Any = _MISSING, default_factory: Any = _MISSING, repr: bool = True) -> Any:
    """A field with a default built per instance (``default_factory``) or hidden from repr."""
    return _Field(default, default_factory, repr)


def _fields_of(cls: type) -> list[tuple[str, Any, Any, bool]]:
    """(name, default, factory, shown in repr) for each annotated field, bases first."""
    out: dict[str, tuple[str, Any, Any, bool]] = {}
    for base in reversed(cls.__mro__[1:]):
        for spec in getattr(base, "__record_specs__", ()):
            out[spec[0]] = spec
    # the class's own annotations (inspect.get_annotations would import inspect, the cost avoided)
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():  # noqa: RUF063
        if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
            continue
        value = cls.__dict__.get(name, _MISSING)
        if isinstance(value, _Field):
            out[name] = (name, value.default, value.factory, value.repr)
            if value.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, value.default)
        else:
            out[name] = (name, value, _MISSING, True)
    return list(out.values())


def _build(cls: type[T], frozen: bool) -> type[T]:
    specs = _fields_of(cls)
    names = tuple(spec[0] for spec in specs)
    seen_default = False
    for name, default, factory, _ in specs:
        has_default = default is not _MISSING or factory is not _MISSING
        if seen_default and not has_default:
            raise TypeError(f"non-default field {name!r} follows a default field in {cls.__name__}")
        seen_default = seen_default or has_default
    post_init = getattr(cls, "__post_init__", None)
    known = frozenset(names)
    defaults = {name: default for name, default, _, _ in specs if default is not _MISSING}
    factories = tuple((name, factory) for name, _, factory, _ in specs if factory is not _MISSING)
    required = tuple(name for name, default, factory, _ in specs if default is factory is _MISSING)
    shown = tuple(spec[0] for spec in specs if spec[3])

    # Straight into the instance dict, the C dict methods doing the work: about 5 µs for a
    # ServerConfig of 33 fields (17 µs with a setattr per field).
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) == len(names) and not kwargs:  # every field given in order (Location)
            self.__dict__.update(zip(names, args, strict=True))
            if post_init is not None:
                post_init(self)
            return
        if args:
            if len(args) > len(names):
                raise TypeError(f"{cls.__name__}() takes {len(names)} positional arguments")
            for name, value in zip(names, args, strict=False):
                if name in kwargs:
                    raise TypeError(f"{cls.__name__}() got multiple values for argument {name!r}")
                kwargs[name] = value
        if not known.issuperset(kwargs):
            unknown = next(name for name in kwargs if name not in known)
            raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {unknown!r}")
        for name in required:
            if name not in kwargs:
                raise TypeError(f"{cls.__name__}() missing required argument: {name!r}")
        state = self.__dict__
        state.update(defaults)
        for name, factory in factories:
            if name not in kwargs:
                state[name] = factory()
        state.update(kwargs)
        if post_init is not None:
            post_init(self)

    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
        return f"{cls.__qualname__}({inner})"

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in names)

    methods: dict[str, Any] = {
        "__init__": __init__,
        "__repr__": __repr__,
        "__eq__": __eq__,
        "__record_specs__": tuple(specs),
        "__match_args__": names,
        "__hash__": None,  # mutable and compared by value, as dataclasses does
    }
    if frozen:

        def __setattr__(self: Any, name: str, value: Any) -> None:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")

        def __delattr__(self: Any, name: str) -> None:
            raise FrozenInstanceError(f"cannot delete field {name!r}")

        def __hash__(self: Any) -> int:
            return hash(tuple(getattr(self, n) for n in names))

        methods.update(__setattr__=__setattr__, __delattr__=__delattr__, __hash__=__hash__)
    for name, value in methods.items():
        if name not in cls.__dict__ or name in ("__record_specs__", "__match_args__"):
            setattr(cls, name, value)  # a method the class writes itself wins, as in dataclasses
    return cls


if TYPE_CHECKING:

    @overload
    def record(cls: type[T], /) -> type[T]: ...
    @overload
    def record(*, frozen: bool = False) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(field_specifiers=(field,))
def record(cls: Any = None, /, *, frozen: bool = False) -> Any:
    """``@record`` or ``@record(frozen=True)``: like ``@dataclass`` (init, repr, eq; hash when
    frozen), for the start-up path (see the module docstring)."""
    if cls is None:
        return lambda c: _build(c, frozen)
    return _build(cls, frozen)


def field_names(obj_or_cls: Any) -> tuple[str, ...]:
    return tuple(spec[0] for spec in obj_or_cls.__record_specs__)


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of ``obj`` with ``changes`` (``dataclasses.replace`` for records)."""
    values = {name: getattr(obj, name) for name in field_names(obj)}
    for name in changes:
        if name not in values:
            raise TypeError(f"{type(obj).__name__} has no field {name!r}")
    values.update(changes)
    return type(obj)(**values)


def as_dict(obj: Any) -> dict[str, Any]:
    """Fields as a dict, records, lists, tuples and dicts inside converted (``dataclasses.asdict``)."""
    return {name: _plain(getattr(obj, name)) for name in field_names(obj)}


def _plain(value: Any) -> Any:
    if hasattr(type(value), "__record_specs__"):
        return as_dict(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    return value
