"""OpenZFS module parameters, shared by the loader.conf, sysctl.conf and modprobe.d checkers:
names against the parameter database of the release the VM runs, durability-dropping
values, and ARC bounds against the VM's memory."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mscc import codes
from mscc.lint import databases
from mscc.lint.context import FileContext
from mscc.lint.knowledge import knowledge
from mscc.source import Span
from mscc.units import format_size

_SUFFIX = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_INTEGER_TYPES = {"int", "uint", "u64", "s64", "ulong", "long"}


def parse_number(text: str, suffixes: bool) -> int | None:
    """Decimal or 0x hex; with `suffixes`, a trailing K/M/G/T (binary), as FreeBSD's
    getenv_quad() reads loader tunables. Linux module parameters take no suffix (kstrtoul)."""
    text = text.strip()
    match = re.fullmatch(r"(-?(?:0[xX][0-9a-fA-F]+|\d+))([kKmMgGtT]?)", text)
    if not match or (match.group(2) and not suffixes):
        return None
    return int(match.group(1), 0) * _SUFFIX.get(match.group(2).lower(), 1)


@dataclass
class ZfsChecker:
    """Checks one file's ZFS parameters; `finish()` runs the checks that need them all."""

    ctx: FileContext
    suffixes: bool                     # whether values may carry K/M/G/T
    db: databases.Zfs | None = None
    arc: dict = field(default_factory=dict)   # "max"/"min" -> (bytes, span, name)
    _noted: bool = False

    def __post_init__(self):
        available = databases.zfs_series()
        series = databases.zfs_series_for(self.ctx.intent.os, self.ctx.intent.version)
        if series not in available:
            series = available[-1] if available else None
        self.db = databases.zfs(series) if series else None

    @property
    def known(self) -> databases.Zfs:
        """The database, for callers that asked `unchecked()` first."""
        if self.db is None:
            raise RuntimeError("ZfsChecker used without a database: call unchecked() first")
        return self.db

    def unchecked(self, span: Span) -> bool:
        if self.db is not None:
            return False
        if not self._noted:
            self._noted = True
            self.ctx.report(codes.CONFIG_UNCHECKED, span, "no OpenZFS parameter database; ZFS names were not checked",
                            "targets/openzfs/zfs-*.json is missing from this installation")
        return True

    def lookup(self, name: str, flavour: str):
        """(tunable, legacy) for a Linux or FreeBSD name; (None, False) when unknown."""
        if flavour == "linux":
            return self.known.by_linux.get(name), False
        if name in self.known.by_freebsd:
            return self.known.by_freebsd[name], False
        return self.known.by_legacy.get(name), name in self.known.by_legacy

    def freebsd_tunable(self, key: str, span: Span):
        """The tunable a vfs.zfs.* name sets, reporting unknown and legacy names; None if unknown."""
        tunable, legacy = self.lookup(key, "freebsd")
        if tunable is None:
            self.unknown(key, span, "freebsd")
            return None
        if legacy and tunable.freebsd:
            self.ctx.report(codes.CONFIG_LEGACY_NAME, span, f"{key} is the legacy name of {tunable.freebsd}",
                            f"use {tunable.freebsd}: the legacy aliases are deleted on OpenZFS master")
        return tunable

    def unknown(self, name: str, span: Span, flavour: str, module: str | None = None) -> None:
        from mscc.suggest import did_you_mean

        pool = self.known.by_linux if flavour == "linux" else {**self.known.by_freebsd}
        hint = did_you_mean(name, pool)
        elsewhere = _other_series(name, flavour, self.known.series)
        if elsewhere:
            hint = f"{name} exists in OpenZFS {elsewhere}, not in {self.known.series}" + (f"; {hint}" if hint else "")
        where = f"module {module}" if module else "OpenZFS"
        self.ctx.report(codes.CONFIG_UNKNOWN_TUNABLE, span,
                        f"{name} is not a parameter of {where} {self.known.version}", hint)

    def value(self, tunable, name: str, text: str, span: Span) -> None:
        """Type, durability and ARC bookkeeping for one assignment."""
        number = parse_number(text, self.suffixes)
        if tunable.type in _INTEGER_TYPES and number is None:
            extra = " (module parameters take no K/M/G suffix)" if parse_number(text, True) is not None else ""
            self.ctx.report(codes.CONFIG_OUT_OF_RANGE, span, f"{name} takes a whole number, not {text!r}{extra}",
                            "the module rejects the value and keeps its default")
            return
        if number is not None and tunable.type and tunable.type.startswith("u") and number < 0:
            self.ctx.report(codes.CONFIG_OUT_OF_RANGE, span, f"{name} is unsigned: {text} is negative")
            return
        unsafe = knowledge()["zfs"]["unsafe_sync"].get(tunable.linux or "")
        if unsafe and number:
            self.ctx.report(codes.CONFIG_UNSAFE_SYNC, span, f"{name}={text} {unsafe}",
                            "leave it at 0 unless the pool's data may be lost")
        if tunable.linux in ("zfs_arc_max", "zfs_arc_min") and number is not None:
            self.arc[tunable.linux[-3:]] = (number, span, name)

    def finish(self) -> None:
        limits = knowledge()["arc"]
        memory = self.ctx.intent.memory
        high = self.arc.get("max")
        low = self.arc.get("min")
        if high and high[0]:
            value, span, name = high
            if value < limits["max_floor"]:
                self.ctx.report(codes.CONFIG_OUT_OF_RANGE, span,
                                f"{name} = {format_size(value)} is below OpenZFS's minimum of 64MiB",
                                "the module ignores it and uses its default")
            elif memory and value > memory - limits["os_reserve"]:
                self.ctx.report(codes.CONFIG_OUT_OF_RANGE, span,
                                f"{name} = {format_size(value)} leaves the guest {format_size(max(memory - value, 0))} "
                                f"of its {format_size(memory)} ({self.ctx.intent.memory_from})",
                                f"keep it at or below {format_size(max(memory - limits['os_reserve'], 0))} "
                                "(memory − 1 GiB), or leave it unset")
        if low and low[0]:
            value, span, name = low
            if value < limits["min_floor"]:
                self.ctx.report(codes.CONFIG_OUT_OF_RANGE, span,
                                f"{name} = {format_size(value)} is below OpenZFS's minimum of 32MiB",
                                "the module ignores it")
            elif high and high[0] and value > high[0]:
                self.ctx.report(codes.CONFIG_OUT_OF_RANGE, span,
                                f"{name} = {format_size(value)} is above {high[2]} = {format_size(high[0])}",
                                "OpenZFS ignores an ARC minimum above the maximum")


def _other_series(name: str, flavour: str, current: str) -> str | None:
    for series in reversed(databases.zfs_series()):
        if series == current:
            continue
        db = databases.zfs(series)
        if db and (name in (db.by_linux if flavour == "linux" else db.by_freebsd) or name in db.by_legacy):
            return series
    return None
