"""Shell scripts that set up ZFS (mscc's own zfs-setup.sh, or a hand-written one): a log
vdev on RAM, and `sync=disabled`. Only `zpool`/`zfs` command lines are read."""

from __future__ import annotations

import re
import shlex

from mscc import codes
from mscc.lint import databases
from mscc.lint.context import FileContext

_COMMAND = re.compile(r"(?:^|[;&|]\s*|\bsudo\s+|\bdoas\s+)(zpool|zfs)\s+(\S.*)$")
# vdev grouping words of zpool create/add: what follows "log" up to the next one is the log
_VDEV_WORDS = {"mirror", "raidz", "raidz1", "raidz2", "raidz3", "draid", "spare", "cache", "special", "dedup", "log"}


def check(ctx: FileContext) -> None:
    volatile = _volatile_patterns(ctx.intent.os)
    for line in ctx.code_lines("'\""):
        match = _COMMAND.search(line.code)
        if not match:
            continue
        tool, rest = match.group(1), match.group(2)
        base = match.start(2)
        try:
            args = shlex.split(rest, comments=True)
        except ValueError:
            continue
        if tool == "zfs" and args and args[0] in ("set", "create"):
            for arg in args[1:]:
                if arg.replace(" ", "") in ("sync=disabled",):
                    col = line.code.find(arg, base) + 1
                    ctx.report(codes.CONFIG_UNSAFE_SYNC, ctx.span(line.number, col, col + len(arg)),
                               "sync=disabled acknowledges sync writes before they are on disk: a crash loses them",
                               "keep sync=standard; if a database is slow, give the pool a SLOG on a real disk")
        if tool == "zpool" and args and args[0] in ("create", "add"):
            for device in _log_devices(args):
                what = next((w for p, w in volatile if re.search(p, device)), None)
                if what:
                    col = line.code.find(device, base) + 1
                    ctx.report(codes.CONFIG_VOLATILE_SLOG, ctx.span(line.number, col, col + len(device)),
                               f"log device {device} is {what}: the log is only read after a crash, "
                               "so every acknowledged sync write is lost with it",
                               "put the log on a persistent disk, or leave the pool without a separate log")


def _log_devices(args: list[str]) -> list[str]:
    out, in_log = [], False
    for arg in args[1:]:
        if arg in _VDEV_WORDS:
            in_log = arg == "log"
        elif in_log and not arg.startswith("-"):
            out.append(arg)
    return out


def _volatile_patterns(os_name: str | None) -> list[tuple[str, str]]:
    """The targets' own lists of volatile devices (the ones the compiler's MS404 uses): the OS
    the script is for when a profile says so, else every OS's (a script alone does not say
    whether /dev/md0 is a FreeBSD memory disk or a Linux RAID)."""
    found: list[tuple[str, str]] = []
    for name in ((os_name,) if os_name else ("freebsd", "alpine", "netbsd")):
        zfs = (databases.target_data(name) or {}).get("zfs") or {}
        found += [(v["pattern"], v["what"]) for v in zfs.get("volatile_devices", ())
                  if v["pattern"] not in {p for p, _ in found}]
    return found
