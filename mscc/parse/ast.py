"""The .msk syntax tree. Every node keeps the span it was read from. Nodes are Records:
immutable, compared by value, and cheap to define at start-up (mscc/record.py)."""

from __future__ import annotations

from mscc.record import Record
from mscc.source import Span


class Size(Record):
    bytes: int
    text: str
    span: Span


class Percent(Record):
    value: float
    base: str  # e.g. "vm.memory"
    text: str
    span: Span


class Int(Record):
    value: int
    span: Span


class Str(Record):
    value: str
    span: Span


class Word(Record):
    """A bare identifier: an enum member, a chip id, a device class, yes/no."""

    value: str
    span: Span


class List(Record):
    items: tuple
    span: Span


Value = Size | Percent | Int | Str | Word | List


class Setting(Record):
    key: str
    key_span: Span
    value: Value
    span: Span


class Block(Record):
    kind: str
    kind_span: Span
    label: str | None
    label_span: Span | None
    entries: tuple  # of Setting | Block
    span: Span


class Profile(Record):
    name: str
    name_span: Span
    is_template: bool
    extends: tuple  # of (name, Span)
    entries: tuple
    span: Span


class Include(Record):
    path: str
    span: Span


class Module(Record):
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
