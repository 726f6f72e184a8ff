"""Source files and spans: every node and every diagnostic points back into a file."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Span:
    """A region of a source file; lines and columns are 1-based, the end is exclusive."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    @classmethod
    def point(cls, file: str, line: int = 1, column: int = 1) -> Span:
        return cls(file, line, column, line, column + 1)


@dataclass(frozen=True)
class SourceFile:
    """A decoded source file, kept so diagnostics can quote the offending line."""

    path: str
    text: str

    def line(self, number: int) -> str:
        lines = self.text.splitlines()
        if 1 <= number <= len(lines):
            return lines[number - 1]
        return ""


class SourceCache:
    """Files read during one run, by display path."""

    def __init__(self) -> None:
        self._files: dict[str, SourceFile] = {}

    def add(self, source: SourceFile) -> None:
        self._files[source.path] = source

    def get(self, path: str) -> SourceFile | None:
        return self._files.get(path)


def comment_start(text: str, quotes: str = '"') -> int:
    """Index of the first `#` outside quotes, or -1."""
    quote = None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in quotes:
            quote = ch
        elif ch == "#":
            return i
        i += 1
    return -1
