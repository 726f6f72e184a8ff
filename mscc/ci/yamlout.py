"""A small, deterministic YAML writer for the workflows mscc generates.

Only what a workflow needs: mappings (in insertion order), sequences, strings, integers and
booleans. Every string that is not a plain word is written JSON-quoted (a JSON string is a valid
YAML double-quoted scalar), multi-line shell scripts as literal blocks, so no value from a
profile or a command line can change the document's structure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

# Plain scalars that YAML 1.1/1.2 would read as something other than the same string.
_RESERVED = re.compile(r"(?i:y|yes|n|no|true|false|on|off|null|~)")
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*")
_NUMBERISH = re.compile(r"[-+.0-9]")

class Commented(str):
    """A string scalar written with a trailing comment (`uses: x@<sha>  # v1.2.3`, the form
    Dependabot and Renovate keep up to date). The comment is mscc's own text, never input."""

    comment: str

    def __new__(cls, value: str, comment: str) -> Commented:
        made = super().__new__(cls, value)
        made.comment = "".join(ch for ch in comment if ch.isprintable())
        return made


Value = str | int | bool | Mapping[str, "Value"] | Sequence["Value"] | None


def scalar(value: str | int | bool | None) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if _PLAIN.fullmatch(value) and not _RESERVED.fullmatch(value) and not _NUMBERISH.match(value):
        return value
    return quoted(value)


def quoted(value: str) -> str:
    """VALUE as a YAML double-quoted scalar: printable characters as they are, everything else
    (controls, line and paragraph separators, NEL, BOM) as an escape YAML reads back exactly."""
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch.isprintable() and ch not in "\u2028\u2029\x85\ufeff":
            out.append(ch)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def _block_ok(text: str) -> bool:
    """A literal block keeps TEXT byte for byte: one final newline, printable lines without
    tabs or trailing blanks, and a first line that sets the indentation (no leading blank)."""
    if not text.endswith("\n") or text.endswith("\n\n") or text.startswith((" ", "\n")):
        return False
    return all(line == line.rstrip() and "\t" not in line and line.isprintable()
               for line in text[:-1].split("\n"))


def _value(value: Value, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, Mapping):
        lines: list[str] = []
        if not value:
            return ["{}"]
        for key, item in value.items():
            head = f"{pad}{scalar(key)}:"
            lines.extend(_entry(head, item, indent))
        return lines
    if isinstance(value, Sequence) and not isinstance(value, str):
        if not value:
            return ["[]"]
        lines = []
        for item in value:
            if isinstance(item, Mapping) and item:
                inner = _value(item, indent + 2)
                lines.append(f"{pad}- {inner[0].lstrip()}")
                lines.extend(inner[1:])
            else:
                lines.extend(_entry(f"{pad}-", item, indent))
        return lines
    raise TypeError(type(value).__name__)


def _entry(head: str, item: Value, indent: int) -> list[str]:
    if isinstance(item, str) and _block_ok(item):
        body = [f"{' ' * (indent + 2)}{line}" if line else "" for line in item.rstrip("\n").split("\n")]
        return [f"{head} |", *body]
    if isinstance(item, Mapping | list | tuple) and item:
        return [head, *_value(item, indent + 2)]
    if isinstance(item, Mapping | list | tuple):
        return [f"{head} {'{}' if isinstance(item, Mapping) else '[]'}"]
    if isinstance(item, Commented):
        return [f"{head} {scalar(str(item))}  # {item.comment}"]
    return [f"{head} {scalar(item)}"]  # type: ignore[arg-type]


def dump(document: Mapping[str, Value], header: Sequence[str] = ()) -> str:
    """DOCUMENT as YAML text, after HEADER as comment lines."""
    comments = [f"# {''.join(ch if ch.isprintable() else '?' for ch in line)}".rstrip() for line in header]
    return "\n".join([*comments, *_value(document, 0)]) + "\n"
