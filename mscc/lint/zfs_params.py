"""OpenZFS module parameters, shared by the loader.conf, sysctl.conf and modprobe.d checkers:
names against the parameter database of the release the VM runs, durability-dropping
values, and ARC bounds against the VM's memory."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mscc import codes
from mscc.diagnostics import Severity
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
    dbs: list = field(default_factory=list)   # the releases judged against, newest first
    stated: bool = False                      # whether a profile said which release the VM runs

    def __post_init__(self):
        available = databases.zfs_series()
        series, release = databases.zfs_release_for(self.ctx.intent.os, self.ctx.intent.version)
        if series in available:
            self.dbs, self.stated = [databases.zfs(series, release)], True
        else:
            # No profile: every OpenZFS release mscc knows; a name is unknown only if none has it.
            self.dbs = [db for s in reversed(available) if (db := databases.zfs(s)) is not None]
        self.db = self.dbs[0] if self.dbs else None

    @property
    def current(self) -> databases.Zfs:
        """The release judged first; only called after unchecked() said there is one."""
        assert self.db is not None
        return self.db

    @property
    def judged(self) -> str:
        """The releases names are judged against, for messages: "2.3.1", or "2.2–2.4"."""
        if self.stated or len(self.dbs) == 1:
            return self.current.version
        return f"{self.dbs[-1].series}–{self.dbs[0].series}"

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

    def lookup(self, name: str, flavour: str, span: Span | None = None):
        """(tunable, legacy) for a Linux or FreeBSD name; (None, False) when unknown. Without a
        profile, a name only older releases have is found, with a warning that says which."""
        for db in self.dbs:
            found = _lookup(db, name, flavour)
            if found[0] is None:
                continue
            if db is not self.db and span is not None:
                have = [d.series for d in self.dbs if _lookup(d, name, flavour)[0] is not None]
                lack = [d.series for d in self.dbs if d.series not in have]
                self.ctx.report(codes.CONFIG_UNKNOWN_TUNABLE, span,
                                f"{name} is a parameter of OpenZFS {', '.join(sorted(have))}, "
                                f"not of {', '.join(sorted(lack))}",
                                "no profile says which OpenZFS the machine runs (lint with --profile); "
                                "on the newer releases the line does nothing", Severity.WARNING)
            return found
        return None, False

    def freebsd_tunable(self, key: str, span: Span):
        """The tunable a vfs.zfs.* name sets, reporting unknown and legacy names; None if unknown."""
        tunable, legacy = self.lookup(key, "freebsd", span)
        if tunable is None:
            self.unknown(key, span, "freebsd")
            return None
        if legacy and tunable.freebsd:
            self.ctx.report(codes.CONFIG_LEGACY_NAME, span, f"{key} is the legacy name of {tunable.freebsd}",
                            f"use {tunable.freebsd}: the legacy aliases are deleted on OpenZFS master")
        return tunable

    def unknown(self, name: str, span: Span, flavour: str, module: str | None = None) -> None:
        from mscc.suggest import did_you_mean

        db = self.current
        pool = db.by_linux if flavour == "linux" else {**db.by_freebsd}
        hint = did_you_mean(name, pool, cutoff=0.85)  # a guess people act on: only close names
        if self.stated:
            whole = databases.zfs(db.series)
            if whole is not None and _lookup(whole, name, flavour)[0] is not None:
                # the series has it, the shipped release not yet (compile says the same: MS704)
                hint = (f"{name} arrived later in OpenZFS {db.series}; "
                        f"{self.ctx.intent.os} {self.ctx.intent.version} ships OpenZFS {db.version}")
            elsewhere = _other_series(name, flavour, db.series)
            if elsewhere:
                hint = f"{name} exists in OpenZFS {elsewhere}, not in {db.series}" + (f"; {hint}" if hint else "")
        where = f"module {module} of OpenZFS" if module else "OpenZFS"
        self.ctx.report(codes.CONFIG_UNKNOWN_TUNABLE, span,
                        f"{name} is not a parameter of {where} {self.judged}", hint)

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
        if tunable.name in _IN_PAGES and number:
            self._pages(name, number, span)

    def _pages(self, name: str, pages: int, span: Span) -> None:
        """A count of pages (arc_free_target) written as if it were bytes."""
        meant = pages * _PAGE_BYTES
        limit = self.ctx.intent.memory or _largest_machine()
        if limit and meant > limit:
            whose = f"the VM's {format_size(limit)} ({self.ctx.intent.memory_from})" if self.ctx.intent.memory \
                else f"the {format_size(limit)} of the largest Apple Silicon Mac (hardware/chips.json)"
            self.ctx.report(codes.CONFIG_OUT_OF_RANGE, span,
                            f"{name} counts pages of 4 KiB: {pages} pages are {format_size(meant)}, more than {whose}",
                            f"write a page count, e.g. {max(limit // 50 // _PAGE_BYTES, 1)} for 2% of memory")

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
            elif high and high[0] == value and value >= limits["max_floor"]:
                # arc.c arc_tuning_update() takes a new maximum only when it is above arc_c_min.
                self.ctx.report(codes.CONFIG_OUT_OF_RANGE, high[1],
                                f"{high[2]} = {format_size(value)} equals {name}: OpenZFS applies a maximum only "
                                "when it is above the ARC minimum (arc_tuning_update), so it may be ignored",
                                "make the maximum larger than the minimum, or leave the minimum unset",
                                Severity.WARNING)


_IN_PAGES = {"zfs_arc_free_target"}  # arc_os.c: "Desired number of free pages ..."
_PAGE_BYTES = 4096                    # FreeBSD's page size on arm64 and amd64


def _largest_machine() -> int | None:
    """Bytes of the largest memory any chip in hardware/chips.json ships with."""
    import json

    from mscc.paths import hardware_dir

    try:
        with open(hardware_dir() / "chips.json", encoding="utf-8") as fh:
            chips = json.load(fh)["chips"]
    except (OSError, ValueError, KeyError):
        return None
    sizes = [gb for chip in chips for gb in (chip.get("memory_gb") or {}).get("value", ())]
    return max(sizes) << 30 if sizes else None


def _lookup(db, name: str, flavour: str):
    if flavour == "linux":
        return db.by_linux.get(name), False
    if name in db.by_freebsd:
        return db.by_freebsd[name], False
    return db.by_legacy.get(name), name in db.by_legacy


def _other_series(name: str, flavour: str, current: str) -> str | None:
    for series in reversed(databases.zfs_series()):
        if series == current:
            continue
        db = databases.zfs(series)
        if db and (name in (db.by_linux if flavour == "linux" else db.by_freebsd) or name in db.by_legacy):
            return series
    return None
