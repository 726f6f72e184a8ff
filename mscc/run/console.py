"""What people watching a run see: each output line as `[profile/target] …`, a progress line
per phase (N of M, phase, elapsed), and on a failure the last 30 lines and the log's path."""

from __future__ import annotations

import sys
from collections import deque
from typing import TextIO

TAIL_LINES = 30
# What a terminal would act on rather than show: C0 controls but tab, DEL, the C1 controls
# (0x9b is a CSI on its own) and the bidirectional overrides and isolates, which reorder what
# the reader sees.
_UNSHOWN = {*range(0x20), 0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)} - {0x09}
_SHOWN = dict.fromkeys(_UNSHOWN, "?")


def printable(text: str) -> str:
    """TEXT with every character a terminal would act on replaced by '?': whatever a guest
    printed (a build's output, a verify record's value) is shown, never obeyed."""
    return text.translate(_SHOWN)


class Console:
    def __init__(self, stream: TextIO | None = None, quiet_lines: bool = False):
        self.stream = stream or sys.stdout
        self.quiet_lines = quiet_lines

    def say(self, text: str) -> None:
        self.stream.write(printable(text) + "\n")
        self.stream.flush()

    def line(self, job_name: str, text: str) -> None:
        if not self.quiet_lines:
            self.say(f"[{job_name}] {text}")

    def progress(self, index: int, total: int, job_name: str, phase: str, elapsed: float) -> None:
        self.say(f"==> [{index}/{total}] {job_name}: {phase} ({elapsed:.1f} s)")

    def failure(self, job_name: str, tail: deque[str], log: str) -> None:
        self.say(f"--- {job_name}: last {len(tail)} lines of {log} ---")
        for text in tail:
            self.say(f"    {text}")
        self.say(f"--- end of {job_name} (full log: {log}) ---")


class LogTail:
    """A job's log file and the last TAIL_LINES lines of it, fed chunk by chunk."""

    def __init__(self, path, on_line):
        self.handle = open(path, "wb")  # noqa: SIM115 - closed by close()
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        self.partial = b""
        self.on_line = on_line

    def feed(self, chunk: bytes) -> None:
        self.handle.write(chunk)
        self.handle.flush()
        *complete, self.partial = (self.partial + chunk).split(b"\n")
        for raw in complete:
            self._emit(raw)
        if len(self.partial) > 1 << 16:  # a line with no end: show it in pieces
            self._emit(self.partial)
            self.partial = b""

    def note(self, text: str) -> None:
        """A runner message, written to the log and shown like output."""
        self.feed(f"mscc run: {text}\n".encode())

    def _emit(self, raw: bytes) -> None:
        # Control characters from a build must not drive the terminal.
        text = printable(raw.decode("utf-8", "replace").rstrip("\r"))
        self.tail.append(text)
        self.on_line(text)

    def close(self) -> None:
        if self.partial:
            self._emit(self.partial)
            self.partial = b""
        self.handle.close()
