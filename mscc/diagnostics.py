"""Diagnostics: frozen values with a registered code, a severity, a span, a message and a hint.

Nothing below the CLI prints: every stage returns diagnostics and the CLI renders them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from mscc.record import Record
from mscc.source import Span


class Severity(enum.IntEnum):
    NOTE = 0
    WARNING = 1
    ERROR = 2

    def __str__(self) -> str:
        return self.name.lower()


class Code(Record):
    """A registered diagnostic code: the stable identity users suppress, configure and explain."""

    code: str
    name: str
    severity: Severity
    summary: str


_REGISTRY: dict[str, Code] = {}


def register(code: str, name: str, severity: Severity, summary: str) -> Code:
    if code in _REGISTRY:
        raise ValueError(f"diagnostic code {code} registered twice")
    entry = Code(code, name, severity, summary)
    _REGISTRY[code] = entry
    return entry


def registry() -> dict[str, Code]:
    return dict(_REGISTRY)


@dataclass(frozen=True, order=True)
class Diagnostic:
    span: Span
    code: str
    severity: Severity = field(compare=False)
    message: str = field(compare=False)
    hint: str | None = field(default=None, compare=False)
    target: str | None = field(default=None, compare=False)
    profile: str | None = field(default=None, compare=False)

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "hint": self.hint,
            "file": self.span.file,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "target": self.target,
            "profile": self.profile,
        }


def diag(code: Code, span: Span, message: str, hint: str | None = None,
         severity: Severity | None = None) -> Diagnostic:
    return Diagnostic(span, code.code, code.severity if severity is None else severity, message, hint)


def has_errors(diagnostics) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)
