"""Record: the base of small immutable value types that every start-up creates many of.

A subclass declares its fields as annotations, like a frozen dataclass, and behaves like one:
positional or keyword construction, defaults written as class attributes (immutable ones
only), equality and hashing by the fields in order, ordering with `class X(Record,
order=True)`, a repr in the dataclass format, no attribute assignment, positional `match`
patterns; mypy reads it as a frozen dataclass (`dataclass_transform`). What it does not
offer: `dataclasses.replace`/`fields` (construct a new value; `_fields` names the fields).

Why not `@dataclass(frozen=True)`: the decorator writes the source of six to ten methods per
class and compiles it each time the module is imported, about 1 ms per class; for the syntax
tree, spans, codes and the language table that was a sixth of one-file `mscc lint` (issue 10
holds it to yamllint's CPU time). These methods are written once, here, and come from the
bytecode cache.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import FrozenInstanceError
from inspect import get_annotations
from typing import Any, ClassVar, dataclass_transform


@dataclass_transform(frozen_default=True)
class Record:
    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls, order: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = [name for name, annotation in get_annotations(cls).items()
               if not str(annotation).startswith(("ClassVar", "typing.ClassVar"))]
        defaults = dict(cls._defaults)
        for name in own:
            if name in cls.__dict__:
                default = cls.__dict__[name]
                if isinstance(default, list | dict | set):
                    raise ValueError(f"{cls.__name__}.{name}: a mutable default would be shared by every instance")
                defaults[name] = default
            elif defaults:
                raise TypeError(f"{cls.__name__}.{name}: a field without a default follows one with a default")
        cls._fields = cls._fields + tuple(name for name in own if name not in cls._fields)
        cls._defaults = defaults
        # positional `case Size(b, t, s)` patterns (mypy derives them from the fields itself)
        setattr(cls, "__match_args__", cls._fields)  # noqa: B010
        if order:
            for method, compare in (("__lt__", operator.lt), ("__le__", operator.le),
                                    ("__gt__", operator.gt), ("__ge__", operator.ge)):
                setattr(cls, method, _ordering(compare))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self._fields
        if len(args) == len(fields) and not kwargs:
            self.__dict__.update(zip(fields, args, strict=True))
            return
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__}() takes {len(fields)} arguments, {len(args)} given")
        values = dict(zip(fields, args, strict=False))  # the rest come as keywords
        for name, value in kwargs.items():
            if name not in fields:
                raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument {name!r}")
            if name in values:
                raise TypeError(f"{type(self).__name__}() got multiple values for argument {name!r}")
            values[name] = value
        for name, default in self._defaults.items():
            values.setdefault(name, default)
        missing = [name for name in fields if name not in values]
        if missing:
            raise TypeError(f"{type(self).__name__}() missing arguments: {', '.join(missing)}")
        self.__dict__.update((name, values[name]) for name in fields)

    def _values(self) -> tuple[Any, ...]:
        return tuple(map(self.__dict__.__getitem__, self._fields))

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in zip(self._fields, self._values(), strict=True))
        return f"{type(self).__qualname__}({shown})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")


def _ordering(compare: Callable[[Any, Any], bool]) -> Callable[[Record, object], bool]:
    """An order method: by the fields in order, between records of one class only."""
    def method(self: Record, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return compare(self._values(), other._values())
    return method
