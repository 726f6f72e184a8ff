"""Raw lines read by the reader `mscc lint` uses for the file they end up in.

A `raw TARGET { kernel = [...] sysctl = [...] loader = [...] modprobe = [...] }` line is copied
into a kernel config, sysctl.conf, loader.conf or modprobe.d. Each target's check_raw checks names; this module
runs the line, as a one-line file of that kind, through the lint checker of that kind, so a
line that checker would call unreadable (MS712) is refused before it is written (MS603).
Raw kernel lines go through the kernel-config reader of their target the same way.
"""

from __future__ import annotations

import importlib

from mscc import codes

# raw key → the lint file kind (mscc.lint.kinds.KINDS) of the file the line is written to
_LINT_KINDS = {"sysctl": "sysctl-conf", "loader": "loader-conf", "modprobe": "modprobe-conf"}
_KERNEL_KINDS = {"alpine": "linux-config", "freebsd": "freebsd-kernel", "netbsd": "netbsd-kernel",
                 "openbsd": "openbsd-kernel"}
_FILE_NAMES = {"sysctl-conf": "sysctl.conf", "loader-conf": "loader.conf", "modprobe-conf": "zfs.conf",
               "linux-config": "raw.config", "freebsd-kernel": "RAW", "netbsd-kernel": "RAW",
               "openbsd-kernel": "RAW"}


def reader_problems(target: str, kind: str, text: str) -> list[str]:
    """What the lint reader of the destination file says is unreadable in `text`."""
    from mscc.lint.context import FileContext, Intent
    from mscc.lint.kinds import KINDS
    from mscc.source import SourceCache

    lint_kind = _KERNEL_KINDS.get(target) if kind == "kernel" else _LINT_KINDS.get(kind)
    if lint_kind is None:
        return []
    line = text.strip()
    if kind == "modprobe" and not line.startswith("options "):
        line = "options zfs " + line  # how the alpine emitter writes a bare parameter
    ctx = FileContext(_FILE_NAMES[lint_kind], line + "\n", lint_kind, Intent(os=target), SourceCache())
    importlib.import_module(KINDS[lint_kind]).check(ctx)
    return [d.message for d in ctx.diagnostics if d.code == codes.CONFIG_BAD_LINE.code]
