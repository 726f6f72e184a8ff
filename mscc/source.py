"""Source files and spans: every node and every diagnostic points back into a file."""

from __future__ import annotations

import re

from mscc.record import Record

# C0 and C1 controls, DEL, the Unicode line and paragraph separators, and the bidirectional
# marks, overrides and isolates ("Trojan Source"): characters that make a reader, or a
# reviewer's eye, split or reorder text differently from what its bytes say. The parser
# refuses them in profiles (MS012) and every encoder of mscc.emit.encoders refuses them.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


def control_character(text: str) -> re.Match | None:
    """The first control character in `text`, if any."""
    return CONTROL.search(text)


def visible(text: str) -> str:
    """Text safe to print or serialise: control characters (terminal escapes among them) as
    `\\xNN` / `\\uNNNN`, and the undecodable bytes of a non-UTF-8 file name (which Python
    keeps as lone surrogates) as `\\xNN`, so the output is valid UTF-8 and cannot drive
    the terminal. A tab stays a tab."""
    if not isinstance(text, str):
        return text
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return CONTROL.sub(lambda m: m.group(0) if m.group(0) == "\t" else _escape(m.group(0)), text)


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def text_lines(text: str) -> list[str]:
    """The lines of a file as mscc counts them: split at LF only (a CR before it dropped).
    str.splitlines also splits at U+2028, VT, FF and others, which moves every later line
    number away from what editors, compilers and `# mscc: ignore` comments mean."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


class Span(Record, order=True):
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


class SourceFile(Record):
    """A decoded source file, kept so diagnostics can quote the offending line."""

    path: str
    text: str

    def line(self, number: int) -> str:
        lines = text_lines(self.text)
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
