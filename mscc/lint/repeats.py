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
    seen: dict = field(default_factory=dict)

    def add(self, key: str, value: str, span: Span, shown: str | None = None) -> None:
        shown = shown or key
        first = self.seen.get(key)
        if first is None:
            self.seen[key] = (value, span)
            return
        if first[0] == value:
            self.ctx.report(codes.CONFIG_DUPLICATE, span, f"{shown} is already set to {value} on line {first[1].line}",
                            "remove one of the two lines")
        else:
            self.ctx.report(codes.CONFIG_CONTRADICTION, span,
                            f"{shown} = {value} contradicts line {first[1].line} ({shown} = {first[0]}); "
                            "the last one wins", "keep the value you mean and remove the other line")
        self.seen[key] = (value, span)
