"""What a checker sees: one file's text, what is known about the VM it is for, and a way
to report located diagnostics."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from mscc.diagnostics import Code, Diagnostic, Severity, diag
from mscc.record import Record
from mscc.source import SourceCache, Span, comment_start, text_lines


@dataclass(frozen=True)
class Intent:
    """Facts about the VM a configuration file is for: from `--profile`, `--memory` or the
    settings. None means unknown, and checks that need a fact skip quietly without it."""

    memory: int | None = None      # VM memory in bytes, for ARC bounds
    os: str | None = None          # alpine | freebsd | netbsd | openbsd
    version: str | None = None     # the OS version the profile asks for
    debug: str | None = None       # off | on | full; None: unknown, read as production
    zfs: bool | None = None        # whether the VM uses ZFS
    memory_from: str = ""          # how the memory was learnt, for messages
    arch: str | None = None        # --arch / [tool.mscc] arch: the architecture the files are for
    arch_from: str = ""
    release: str | None = None     # --release / [tool.mscc] release: the OS or kernel release

    @property
    def production(self) -> bool:
        return self.debug in (None, "off")


class Line(Record):
    """A line with its comment removed. `start` is the 0-based column of the first code
    character; columns in diagnostics are 1-based."""

    number: int
    text: str
    code: str
    start: int




@dataclass
class FileContext:
    path: str                       # as displayed
    text: str
    kind: str
    intent: Intent
    sources: SourceCache
    diagnostics: list = field(default_factory=list)

    @cached_property
    def raw_lines(self) -> list[str]:
        return text_lines(self.text)

    def code_lines(self, quotes: str = '"') -> list[Line]:
        """Lines with code after `#` comments are stripped; blank lines are skipped."""
        out = []
        for number, raw in enumerate(self.raw_lines, start=1):
            cut = comment_start(raw, quotes)
            code = (raw if cut < 0 else raw[:cut]).rstrip()
            if code.strip():
                out.append(Line(number, raw, code, len(code) - len(code.lstrip())))
        return out

    @property
    def debug_file(self) -> bool:
        """Whether the file's name says it is a debugging fragment (debug.config, GENERIC-DEBUG):
        debug options there are the point, not a mistake."""
        import re

        return re.search(r"debug", self.path.replace("\\", "/").rsplit("/", 1)[-1], re.IGNORECASE) is not None

    @property
    def debug_advice(self) -> Severity | None:
        """The severity of a debugging option found in this kernel config, None when it is not
        reported (a debug kernel, or a file named for debugging). A warning when a profile says
        the kernel is for production; a note when nobody said: upstream trees (FreeBSD's
        FIRECRACKER, NetBSD-current's GENERIC) and board defconfigs carry debug options on
        purpose, so without a stated intent it is advice, not an alarm."""
        if self.debug_file or not self.intent.production:
            return None
        return Severity.WARNING if self.intent.debug == "off" else Severity.NOTE

    @property
    def debug_purpose(self) -> str:
        """What a debug-option message says of the kernel's purpose: stated, or not known."""
        if self.intent.debug == "off":
            return "in a kernel meant for production"
        return "worth removing if this kernel is for production (no profile says what it is for)"

    def span(self, line: int, column: int, end_column: int | None = None) -> Span:
        """1-based columns; the end defaults to the end of the line."""
        if end_column is None:
            text = self.raw_lines[line - 1] if 0 < line <= len(self.raw_lines) else ""
            end_column = max(len(text.rstrip()) + 1, column + 1)
        return Span(self.path, line, column, line, end_column)

    def report(self, code: Code, span: Span, message: str, hint: str | None = None,
               severity: Severity | None = None) -> Diagnostic:
        d = diag(code, span, message, hint, severity)
        self.diagnostics.append(d)
        return d
