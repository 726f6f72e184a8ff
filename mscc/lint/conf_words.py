"""Words of a BSD kernel config line, with their columns: config(8) on every BSD reads
blank-separated words, commas between list items, and double-quoted strings."""

from __future__ import annotations

import re

_WORD = re.compile(r'"(?:[^"\\]|\\.)*"?|[^\s,"]+(?:"(?:[^"\\]|\\.)*"?)?|,')


def words(code: str) -> list[tuple[str, int]]:
    """(word, 1-based column) for each word and each comma."""
    return [(m.group(0), m.start() + 1) for m in _WORD.finditer(code)]


def items(tokens: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The comma-separated list items after a keyword (the commas dropped). `NAME = VALUE` is
    one item: '=' is a token of its own in every BSD's config(8) lexer, blanks around it allowed."""
    out: list[tuple[str, int]] = []
    for word, column in tokens:
        if word == ",":
            continue
        if out and (word.startswith("=") or out[-1][0].endswith("=")) and "=" not in out[-1][0][:-1]:
            out[-1] = (out[-1][0] + word, out[-1][1])
            continue
        out.append((word, column))
    return out


def split_value(item: str) -> tuple[str, str | None]:
    name, eq, value = item.partition("=")
    return name, (value if eq else None)


def base_name(instance: str) -> str:
    """`ld*` -> `ld`, `vioif0` -> `vioif`, `com?` -> `com`: the device a config line names."""
    return re.sub(r"[0-9*?]+$", "", instance)
