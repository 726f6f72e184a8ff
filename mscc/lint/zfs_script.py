"""Shell scripts that set up ZFS (mscc's own zfs-setup.sh, or a hand-written one): a log
vdev on RAM, and `sync=disabled`. Only `zpool`/`zfs` command lines are read."""

from __future__ import annotations

import re
import shlex

from mscc import codes
from mscc.lint import databases
from mscc.lint.context import FileContext

_COMMAND = re.compile(r"(?:^\s*|[;&|]\s*|\bsudo\s+|\bdoas\s+|\bthen\s+|\bdo\s+)(zpool|zfs)\s+(\S.*)$")
# vdev grouping words of zpool create/add: what follows "log" up to the next one is the log
_VDEV_WORDS = {"mirror", "raidz", "raidz1", "raidz2", "raidz3", "draid", "spare", "cache", "special", "dedup", "log"}
# NAME=value, NAME="value", NAME='value' (optionally exported): a variable a later command may use
_ASSIGN = re.compile(r"^\s*(?:export\s+|local\s+|readonly\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


# Without a profile, what a script runs says which OS it is for (`/dev/md0` is a memory disk
# on FreeBSD and NetBSD, a software RAID on Linux).
_OS_SIGNS = {
    "freebsd": r"\b(gpart|mdconfig|sysrc|kldload|camcontrol)\b|/dev/(ada|nvd|da|vtbd|gpt/|gptid/|diskid/)",
    "alpine": r"\b(apt(-get)?|dnf|yum|apk|pacman|modprobe|systemctl|mdadm|update-initramfs|dracut)\b|"
              r"/dev/(sd[a-z]|nvme\d|disk/by-|vd[a-z]|xvd)|/sys/module/",
    "netbsd": r"\b(vndconfig|disklabel|gpt\s+add|dkctl)\b|/dev/(wd|ld)\d",
}


def check(ctx: FileContext) -> None:
    volatile = _volatile_patterns(ctx.intent.os, _script_os(ctx.text) if ctx.intent.os is None else None)
    variables: dict[str, str] = {}
    for segments in _logical_lines(ctx):
        code = " ".join(text for _, text in segments)
        assign = _ASSIGN.match(code)
        if assign and not _COMMAND.search(code):
            variables[assign.group(1)] = _literal(assign.group(2), variables)
            continue
        match = _COMMAND.search(code)
        if not match:
            continue
        tool = match.group(1)
        try:
            args = shlex.split(_expand(match.group(2), variables), comments=True)
        except ValueError:
            continue
        if args and ((tool == "zfs" and args[0] in ("set", "create")) or (tool == "zpool" and args[0] == "create")):
            for arg in args[1:]:
                if arg.replace(" ", "") == "sync=disabled":
                    number, col, length = _where(segments, "sync=", arg)
                    ctx.report(codes.CONFIG_UNSAFE_SYNC, ctx.span(number, col, col + length),
                               "sync=disabled acknowledges sync writes before they are on disk: a crash loses them",
                               "keep sync=standard; if a database is slow, give the pool a SLOG on a real disk")
                    break
        if tool == "zpool" and args and args[0] in ("create", "add"):
            for device in _log_devices(args):
                what = next((w for p, w in volatile if re.search(p, device)), None)
                if what:
                    number, col, length = _where(segments, device, device)
                    ctx.report(codes.CONFIG_VOLATILE_SLOG, ctx.span(number, col, col + length),
                               f"log device {device} is {what}: the log is only read after a crash, "
                               "so every acknowledged sync write is lost with it",
                               "put the log on a persistent disk, or leave the pool without a separate log")


def _logical_lines(ctx: FileContext) -> list[list[tuple[int, str]]]:
    """Commands with their `\\` continuations: [(line number, code of that line)], comments gone."""
    out: list[list[tuple[int, str]]] = []
    pending: list[tuple[int, str]] = []
    for line in ctx.code_lines("'\""):
        code = line.code
        if code.endswith("\\"):
            pending.append((line.number, code[:-1]))
            continue
        out.append(pending + [(line.number, code)])
        pending = []
    if pending:
        out.append(pending)
    return out


def _literal(value: str, variables: dict[str, str]) -> str:
    """The value of an assignment: quotes removed, earlier variables expanded; a command
    substitution is not a literal, and yields nothing."""
    value = value.strip()
    if "$(" in value or "`" in value:
        return ""
    try:
        words = shlex.split(value, comments=True)
    except ValueError:
        return ""
    text = " ".join(words) if value.startswith(("'", '"')) or len(words) <= 1 else (words[0] if words else "")
    return text if value.startswith("'") else _expand(text, variables)


_EXPANDED_MAX = 1 << 14  # X="$X$X" repeated must not grow a line without bound


def _expand(text: str, variables: dict[str, str], depth: int = 0) -> str:
    if depth > 8 or "$" not in text or len(text) > _EXPANDED_MAX:
        return text
    expanded = _VARIABLE.sub(lambda m: variables.get(m.group(1) or m.group(2), m.group(0)), text)
    if len(expanded) > _EXPANDED_MAX:
        return text
    return expanded if expanded == text else _expand(expanded, variables, depth + 1)


def _where(segments: list[tuple[int, str]], needle: str, shown: str) -> tuple[int, int, int]:
    """(line, 1-based column, length) of `needle` in a command's lines; else the command itself."""
    for number, text in segments:
        at = text.find(needle)
        if at >= 0:
            end = len(shown) if text.startswith(shown, at) else max(len(text[at:].split()[0]), 1)
            return number, at + 1, end
    number, text = segments[0]
    start = len(text) - len(text.lstrip())
    return number, start + 1, max(len(text.strip()), 1)


def _log_devices(args: list[str]) -> list[str]:
    out, in_log = [], False
    for arg in args[1:]:
        if arg in _VDEV_WORDS:
            in_log = arg == "log"
        elif in_log and not arg.startswith("-"):
            out.append(arg)
    return out


_LINUX_RAID = "/dev/md0"


def _script_os(text: str) -> str | None:
    """The one OS whose commands or device names the script uses; None when none or several."""
    found = [name for name, signs in _OS_SIGNS.items() if re.search(signs, text)]
    return found[0] if len(found) == 1 else None


def _volatile_patterns(os_name: str | None, guessed: str | None = None) -> list[tuple[str, str]]:
    """The targets' own lists of volatile devices (the ones the compiler's MS404 uses): the OS
    the script is for when a profile says so. Without one, every OS's RAM disks, but /dev/md0
    only when the script's commands show a BSD (on Linux it is a software RAID), and never
    what is volatile only in a VM (/dev/pmem0 is an NVDIMM on a real machine)."""
    found: list[tuple[str, str]] = []
    for name in ((os_name,) if os_name else ("freebsd", "alpine", "netbsd")):
        zfs = (databases.target_data(name) or {}).get("zfs") or {}
        for v in zfs.get("volatile_devices", ()):
            if not os_name and v.get("vm_only"):
                continue
            if not os_name and guessed not in ("freebsd", "netbsd") and re.search(v["pattern"], _LINUX_RAID):
                continue  # md0 is a memory disk on the BSDs, a software RAID on Linux
            if v["pattern"] not in {p for p, _ in found}:
                found.append((v["pattern"], v["what"]))
    return found
