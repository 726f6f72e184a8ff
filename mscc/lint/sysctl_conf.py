"""`sysctl.conf` and `sysctl.d/*.conf`: `name=value` lines applied at boot, on the BSDs
(FreeBSD's `vfs.zfs.*` are checked against the OpenZFS parameter database) and on Linux
(which has no ZFS sysctls: its OpenZFS parameters are module options)."""

from __future__ import annotations

import re
from pathlib import PurePath

from mscc import codes
from mscc.lint.context import FileContext
from mscc.lint.repeats import Repeats
from mscc.lint.zfs_params import ZfsChecker

# Linux's sysctl.d allows blanks around '=' and a leading '-' (ignore failures);
# the BSDs read name=value, and NetBSD's sysctl(8) also name?=value (set it only if it exists).
_LINE = re.compile(r"^(?P<dash>-?)(?P<key>[A-Za-z_][A-Za-z0-9_.%/\-*]*)\s*(?P<maybe>\??)(?P<eq>[=:])"
                   r"\s*(?P<value>.*?)\s*$")
# (`dev.` is both: Linux dev.raid.*, FreeBSD dev.igc0.*; it decides nothing)
_LINUX_ROOTS = ("kernel.", "net.core.", "net.ipv4.", "net.ipv6.", "fs.", "vm.swappiness", "vm.overcommit")
_BSD_ROOTS = ("kern.", "vfs.", "hw.", "security.", "net.inet", "debug.", "compat.")


def check(ctx: FileContext) -> None:
    flavour = _flavour(ctx)
    zfs = ZfsChecker(ctx, suffixes=False)
    repeats = Repeats(ctx)
    quotes = "" if flavour == "linux" else '"'
    for line in ctx.code_lines(quotes):
        code = line.code.strip()
        if flavour == "linux" and code.startswith(";"):
            continue  # sysctl.d(5) comments may also start with ';'
        match = _LINE.match(code)
        if match is not None and match.group("maybe") and (flavour == "linux" or match.group("eq") == ":"):
            match = None  # `?=` is NetBSD's
        if match is not None and match.group("eq") == ":" and (flavour == "linux" or ctx.intent.os in
                                                                 ("netbsd", "openbsd")):
            match = None  # `name: value` is FreeBSD's (sbin/sysctl/sysctl.c parse() splits at '=' or ':')
        if match is None:
            ctx.report(codes.CONFIG_BAD_LINE, ctx.span(line.number, line.start + 1),
                       "sysctl cannot read this line", "lines are name=value")
            continue
        key, value = match.group("key"), match.group("value").strip('"')
        offset = line.start + 1 + len(match.group("dash"))
        key_span = ctx.span(line.number, offset, offset + len(key))
        value_col = line.start + 1 + match.start("value")
        value_span = ctx.span(line.number, value_col, value_col + max(len(match.group("value")), 1))
        repeats.add(key.replace("/", "."), value, key_span, key)
        if not key.startswith("vfs.zfs."):
            continue
        if flavour == "linux":
            ctx.report(codes.CONFIG_WRONG_FILE, key_span, f"Linux has no sysctl {key}",
                       "OpenZFS parameters on Linux are module options: "
                       "`options zfs NAME=VALUE` in /etc/modprobe.d/zfs.conf")
            continue
        if zfs.unchecked(key_span):
            continue
        tunable = zfs.freebsd_tunable(key, key_span)
        if tunable is None:
            continue
        if tunable.access == "rd":
            ctx.report(codes.CONFIG_WRONG_FILE, key_span, f"{key} is read-only once the system runs",
                       "set it in /boot/loader.conf")
        zfs.value(tunable, key, value, value_span)
    zfs.finish()


def _flavour(ctx: FileContext) -> str | None:
    if ctx.intent.os == "alpine" or PurePath(ctx.path).parent.name == "sysctl.d":
        return "linux"
    if ctx.intent.os in ("freebsd", "netbsd", "openbsd"):
        return "bsd"
    keys = [line.code.strip().lstrip("-") for line in ctx.code_lines("")]
    linux = sum(1 for k in keys if k.startswith(_LINUX_ROOTS))
    bsd = sum(1 for k in keys if k.startswith(_BSD_ROOTS))
    if linux > bsd:
        return "linux"
    return "bsd" if bsd else None
