"""The .msk syntax tree. Every node keeps the span it was read from."""

from __future__ import annotations

from dataclasses import dataclass

from mscc.source import Span


@dataclass(frozen=True)
class Size:
    bytes: int
    text: str
    span: Span


@dataclass(frozen=True)
class Percent:
    value: float
    base: str  # e.g. "vm.memory"
    text: str
    span: Span


@dataclass(frozen=True)
class Int:
    value: int
    span: Span


@dataclass(frozen=True)
class Str:
    value: str
    span: Span


@dataclass(frozen=True)
class Word:
    """A bare identifier: an enum member, a chip id, a device class, yes/no."""

    value: str
    span: Span


@dataclass(frozen=True)
class List:
    items: tuple
    span: Span


Value = Size | Percent | Int | Str | Word | List


@dataclass(frozen=True)
class Setting:
    key: str
    key_span: Span
    value: Value
    span: Span


@dataclass(frozen=True)
class Block:
    kind: str
    kind_span: Span
    label: str | None
    label_span: Span | None
    entries: tuple  # of Setting | Block
    span: Span


@dataclass(frozen=True)
class Profile:
    name: str
    name_span: Span
    is_template: bool
    extends: tuple  # of (name, Span)
    entries: tuple
    span: Span


@dataclass(frozen=True)
class Include:
    path: str
    span: Span


@dataclass(frozen=True)
class Module:
    path: str
    includes: tuple
    profiles: tuple


def describe(value: Value) -> str:
    """How a value reads in a message."""
    match value:
        case Size(text=text) | Percent(text=text):
            return text
        case Int(value=v):
            return str(v)
        case Str(value=v):
            return f'"{v}"'
        case Word(value=v):
            return v
        case List(items=items):
            return "[" + ", ".join(describe(i) for i in items) + "]"
    return "?"
