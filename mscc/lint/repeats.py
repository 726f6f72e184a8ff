"""Duplicate and contradicting assignments of one name within a file (MS705, MS706)."""

from __future__ import annotations

from dataclasses import dataclass, field

from mscc import codes
from mscc.lint.context import FileContext
from mscc.source import Span


@dataclass
class Repeats:
    """Duplicate and contradicting assignments of one name within a file."""

    ctx: FileContext
    sizes: bool = False     # whether the reader takes 4G for 4294967296 (the loader's kernel environment does)
    seen: dict = field(default_factory=dict)

    def add(self, key: str, value: str, span: Span, shown: str | None = None) -> None:
        shown = shown or key
        first = self.seen.get(key)
        if first is None:
            self.seen[key] = (value, span)
            return
        if first[0] == value or _same_number(first[0], value, self.sizes):
            same = value if first[0] == value else f"{first[0]} (= {value})"
            self.ctx.report(codes.CONFIG_DUPLICATE, span, f"{shown} is already set to {same} on line {first[1].line}",
                            "remove one of the two lines")
        else:
            self.ctx.report(codes.CONFIG_CONTRADICTION, span,
                            f"{shown} = {value} contradicts line {first[1].line} ({shown} = {first[0]}); "
                            "the last one wins", "keep the value you mean and remove the other line")
        self.seen[key] = (value, span)


def _same_number(a: str, b: str, sizes: bool) -> bool:
    """0x10 and 16 are one value to every reader; 4G and 4294967296 to the kernel environment
    loader.conf fills (getenv_quad reads k/m/g/t suffixes), not to a module parameter."""
    numbers = [_number(a, sizes), _number(b, sizes)]
    return numbers[0] is not None and numbers[0] == numbers[1]


def _number(text: str, sizes: bool) -> int | None:
    text = text.strip().strip('"')
    try:
        return int(text, 0)
    except ValueError:
        pass
    if not sizes:
        return None
    if text[-1:] in ("k", "m", "g", "t"):
        text = text[:-1] + text[-1].upper()
    from mscc.units import parse_size

    return parse_size(text) if text[-1:] in ("K", "M", "G", "T") else None
