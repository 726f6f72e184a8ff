"""Reading a text file for mscc: every failure (missing, too large, not UTF-8, binary)
becomes a located diagnostic. Kept free of Lark so linting config files never imports it."""

from __future__ import annotations

from pathlib import Path

from mscc import codes
from mscc.diagnostics import Diagnostic, diag
from mscc.source import Span

MAX_BYTES = 1 << 20  # a profile is a page of text; a megabyte is already absurd


class NotRegularFile(OSError):
    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


def read_regular(path: Path | str, limit: int) -> bytes:
    """At most `limit` bytes of a regular file. The file is opened without blocking and
    checked before reading: a FIFO, a socket or a device given as input (or reached by an
    include or a directory walk) would otherwise block forever or never end."""
    import os
    import stat

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(21, "Is a directory", str(path))
        if not stat.S_ISREG(mode):
            kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
            raise NotRegularFile(kind)
        chunks, size = [], 0
        while size < limit:
            chunk = os.read(fd, min(1 << 20, limit - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_source(path: Path | str, display: str, max_bytes: int = MAX_BYTES,
                what: str = "a .msk file") -> tuple[str | None, list[Diagnostic]]:
    """Read and decode a file, turning every failure into a diagnostic."""
    try:
        data = read_regular(path, max_bytes + 1)
    except NotRegularFile as err:
        return None, [diag(codes.UNREADABLE, Span.point(display), f"is {err.what}, not {what}")]
    except IsADirectoryError:
        return None, [diag(codes.UNREADABLE, Span.point(display), f"is a directory, not {what}")]
    except FileNotFoundError:
        return None, [diag(codes.UNREADABLE, Span.point(display), "no such file")]
    except OSError as err:
        return None, [diag(codes.UNREADABLE, Span.point(display), f"cannot read: {err.strerror or err}")]
    if len(data) > max_bytes:
        return None, [diag(codes.TOO_LARGE, Span.point(display), f"file is larger than {max_bytes} bytes")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        before = data[: err.start]
        line = before.count(b"\n") + 1
        column = err.start - (before.rfind(b"\n") + 1) + 1
        return None, [diag(codes.NOT_UTF8, Span(display, line, column, line, column + 1),
                           f"byte 0x{data[err.start]:02x} is not valid UTF-8",
                           "save the file as UTF-8 text")]
    if "\x00" in text:
        offset = text.index("\x00")
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        return None, [diag(codes.NOT_UTF8, Span(display, line, column, line, column + 1),
                           f"NUL byte: this looks like a binary file, not {what}")]
    return text, []
