"""ZFS intent: ARC bounds, log devices, sync policy, tunable names, ZFS availability."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mscc import codes
from mscc.check.context import ProfileContext, TargetContext
from mscc.check.rule import rule
from mscc.diagnostics import Diagnostic, diag
from mscc.language import ACCEPT_LOSS
from mscc.suggest import did_you_mean
from mscc.units import GIB, MIB, format_size
from mscc.knowledge import zfsdb

ARC_MAX_FLOOR = 64 * MIB   # MIN_ARC_MAX = DMU_MAX_ACCESS (openzfs/zfs include/sys/arc.h)
ARC_MIN_FLOOR = 32 * MIB   # 2 × the largest block size (module/zfs/arc.c arc_tuning_update)
OS_RESERVE = GIB           # the OpenZFS ≥2.3 default leaves RAM − 1 GiB at most (zfs.4)

_BASE = """
  hardware { chip = m3-pro  memory = 36GiB }
  vm { hypervisor = qemu  cpus = 4  memory = 8GiB }
"""


def _zfs(ctx: TargetContext) -> bool:
    return ctx.profile.zfs_wanted and bool(ctx.target.zfs)


@rule(codes.ARC_MAX_HIGH, rationale="""
The ARC competes with the guest's own processes for the VM's memory. OpenZFS's own default
(≥ 2.3, and on FreeBSD) is max(RAM − 1 GiB, 5/8 RAM); an ARC max that leaves the OS less than
1 GiB starves it, and a value at or above physical memory is ignored by the module with only
a console warning. mscc refuses it before it reaches the guest.
""", fail=f"""
profile vm {{{_BASE}  zfs {{ arc_max = 95% of vm.memory }}
}}
""", passes=f"""
profile vm {{{_BASE}  zfs {{ arc_max = 75% of vm.memory }}
}}
""")
def arc_max_bounds(ctx: TargetContext) -> Iterator[Diagnostic]:
    if not _zfs(ctx) or not ctx.profile.has("zfs.arc_max"):
        return
    arc_max, vm = ctx.profile.get("zfs.arc_max"), ctx.profile.get("vm.memory")
    span = ctx.profile.where("zfs.arc_max")
    ceiling = vm - OS_RESERVE
    if arc_max < ARC_MAX_FLOOR:
        yield diag(codes.ARC_TOO_SMALL, span, f"arc_max {format_size(arc_max)} is below OpenZFS's minimum of 64MiB",
                   "the module ignores it and uses its default")
    elif arc_max > ceiling:
        yield diag(codes.ARC_MAX_HIGH, span,
                   f"arc_max {ctx.profile.text('zfs.arc_max')} = {format_size(arc_max)} leaves the guest "
                   f"{format_size(max(vm - arc_max, 0))} of its {format_size(vm)}",
                   f"keep arc_max at or below {format_size(max(ceiling, 0))} (VM memory − 1 GiB), "
                   "or leave it unset: OpenZFS's default is max(RAM − 1 GiB, 5/8 RAM)")


@rule(codes.ARC_MIN_ABOVE_MAX, rationale="""
OpenZFS ignores a zfs_arc_min above zfs_arc_max (arc_tuning_update) and a value below 32 MiB;
the user's intent is then silently replaced by defaults.
""", fail=f"""
profile vm {{{_BASE}  zfs {{ arc_max = 2GiB  arc_min = 4GiB }}
}}
""", passes=f"""
profile vm {{{_BASE}  zfs {{ arc_max = 4GiB  arc_min = 1GiB }}
}}
""")
def arc_min_bounds(ctx: TargetContext) -> Iterator[Diagnostic]:
    if not _zfs(ctx) or not ctx.profile.has("zfs.arc_min"):
        return
    arc_min = ctx.profile.get("zfs.arc_min")
    span = ctx.profile.where("zfs.arc_min")
    arc_max = ctx.profile.get("zfs.arc_max")
    if arc_min < ARC_MIN_FLOOR:
        yield diag(codes.ARC_TOO_SMALL, span, f"arc_min {format_size(arc_min)} is below OpenZFS's minimum of 32MiB",
                   "the module ignores it and uses its default")
    elif arc_max is not None and arc_min > arc_max:
        yield diag(codes.ARC_MIN_ABOVE_MAX, span,
                   f"arc_min {format_size(arc_min)} is above arc_max {format_size(arc_max)}",
                   "lower arc_min or raise arc_max")
    elif arc_min > ctx.profile.get("vm.memory") - OS_RESERVE:
        yield diag(codes.ARC_MAX_HIGH, span, f"arc_min {format_size(arc_min)} leaves the guest less than 1 GiB")


@rule(codes.VOLATILE_SLOG, rationale="""
A separate log device (SLOG) holds sync writes that ZFS has already acknowledged to the
application; it is only ever read after a crash. On a RAM disk it is gone exactly then: every
acknowledged fsync since the last transaction group is lost when the host crashes or the VM
is killed, and the pool needs `zpool import -m`. That is the durability of sync=disabled,
which the OpenZFS man page calls very dangerous. Only `accept = [lose-sync-writes-on-crash]`
turns this into a warning, and mscc then emits the honest sync=disabled, never a RAM log.
""", fail=f"""
profile vm {{{_BASE}  zfs {{ slog = ram }}
}}
""", passes=f"""
profile vm {{{_BASE}  zfs {{ slog = none }}
}}
""")
def volatile_slog(ctx: TargetContext) -> Iterator[Diagnostic]:
    if not _zfs(ctx):
        return
    slog = ctx.profile.get("zfs.slog")
    if slog == "none":
        return
    reason = ctx.target.volatile_reason(slog)
    if reason is None:
        return
    span = ctx.profile.where("zfs.slog")
    what = "a RAM-backed log" if slog == "ram" else f"{slog} ({reason})"
    if ACCEPT_LOSS in (ctx.profile.get("zfs.accept") or ()):
        yield diag(codes.VOLATILE_SLOG_ACCEPTED, span,
                   f"{what} accepted as data loss: mscc emits sync=disabled instead of a volatile log device",
                   "acknowledged sync writes will be lost when the host crashes or the VM is killed")
    else:
        yield diag(codes.VOLATILE_SLOG, span,
                   f"{what} as SLOG: acknowledged sync writes are lost when the host crashes or the VM is killed",
                   "a SLOG must survive power loss; use slog = none (the ZIL stays on the pool), or, to trade "
                   f"durability for speed knowingly, write `accept = [{ACCEPT_LOSS}]` and mscc emits sync=disabled")


@rule(codes.SYNC_DISABLED, rationale="""
sync=disabled acknowledges fsync() before data is on stable storage; databases and NFS
lose acknowledged writes on a crash. OpenZFS's zfsprops(7) calls it "very dangerous".
""", fail=f"""
profile vm {{{_BASE}  zfs {{ sync = disabled }}
}}
""", passes=f"""
profile vm {{{_BASE}  zfs {{ sync = standard }}
}}
""")
def sync_disabled(ctx: TargetContext) -> Iterator[Diagnostic]:
    if not _zfs(ctx) or ACCEPT_LOSS in (ctx.profile.get("zfs.accept") or ()):
        return
    places = []
    if ctx.profile.get("zfs.sync") == "disabled":
        places.append(("the pool", ctx.profile.where("zfs.sync")))
    for ds in ctx.profile.datasets:
        if "sync" in ds.props and ds.props["sync"].value == "disabled":
            places.append((ds.name, ds.props["sync"].span))
    for name, span in places:
        yield diag(codes.SYNC_DISABLED, span, f"sync=disabled on {name}: acknowledged sync writes are lost on a crash",
                   f"use sync=standard, or state the risk with `accept = [{ACCEPT_LOSS}]`")


@rule(codes.NO_ZFS, rationale="""
OpenBSD has no ZFS: the OpenZFS platform list names no OpenBSD, and its kernel sources have
no ZFS code. A profile that wants ZFS cannot be honoured there; FreeBSD and Alpine carry it.
""", fail=f"""
profile vm {{{_BASE}  zfs {{ arc_max = 2GiB }}
}}
""", passes=f"""
profile vm {{{_BASE}  kernel {{ debug = off }}
}}
""", example_target="openbsd")
def zfs_available(ctx: TargetContext) -> Iterator[Diagnostic]:
    if ctx.profile.zfs_wanted and not ctx.target.zfs:
        yield diag(codes.NO_ZFS, ctx.profile.span_of_block("zfs"),
                   f"{ctx.target.data['title']} has no ZFS",
                   "compile this profile for freebsd or alpine, or set `zfs { enabled = no }` in a profile for "
                   + ctx.target.name)


@rule(codes.ZFS_IMMATURE, rationale="""
NetBSD's ZFS is the old external/cddl/osnet port, not OpenZFS 2.x; it needs MKZFS and at least
12 KB of kernel stack, and users reported full-system lockups under load (wiki.netbsd.org/zfs,
2024-11). It works, with care.
""", fail=f"""
profile vm {{{_BASE}  zfs {{ arc_max = 2GiB }}
}}
""", passes=f"""
profile vm {{{_BASE}  zfs {{ enabled = no }}
}}
""", example_target="netbsd")
def zfs_maturity(ctx: TargetContext) -> Iterator[Diagnostic]:
    zfs = ctx.target.zfs
    if ctx.profile.zfs_wanted and zfs and zfs.get("maturity_warning"):
        yield diag(codes.ZFS_IMMATURE, ctx.profile.span_of_block("zfs"), zfs["maturity_warning"],
                   zfs.get("maturity_hint"))


@rule(codes.UNKNOWN_TUNABLE, rationale="""
A misspelt or removed module parameter does not fail the module load: Linux logs "unknown
parameter ignored" and FreeBSD ignores an unknown loader variable. Tunables are checked
against the man page of the OpenZFS release the target ships (the zfs_arc_meta_* family,
for example, was removed in 2.2).
""", fail=f"""
profile vm {{{_BASE}  zfs {{
    tunables {{ zfs_arc_meta_limit = 1GiB }}
  }}
}}
""", passes=f"""
profile vm {{{_BASE}  zfs {{
    tunables {{ zfs_txg_timeout = 10 }}
  }}
}}
""")
def tunables_known(ctx: TargetContext) -> Iterator[Diagnostic]:
    zfs = ctx.target.zfs if _zfs(ctx) else None
    if zfs is None or not ctx.profile.tunables or zfs.get("provider") != "openzfs" or ctx.version is None:
        return
    version = ctx.version["name"]
    series = zfsdb.series_for(ctx.target.name, version)
    if series is None:
        return
    release = zfsdb.shipped_version(ctx.target.name, version)
    known = zfsdb.available(series, release)
    whole_series = zfsdb.tunables(series)
    shipped = f"OpenZFS {release or series}"
    for name, located in ctx.profile.tunables.items():
        if name not in known:
            info = whole_series.get(name)
            if info and info.get("since"):
                yield diag(codes.UNKNOWN_TUNABLE, located.span,
                           f"'{name}' arrived in OpenZFS {info['since']}; {ctx.target.name} {version} "
                           f"ships {shipped}", "drop it, or choose a newer OS version")
                continue
            yield diag(codes.UNKNOWN_TUNABLE, located.span,
                       f"{shipped} has no module parameter '{name}'",
                       did_you_mean(name, known) or f"see zfs(4) of OpenZFS {series}")
        elif ctx.target.name == "freebsd" and not known[name].get("freebsd"):
            yield diag(codes.UNKNOWN_TUNABLE, located.span,
                       f"'{name}' exists only on Linux; FreeBSD has no sysctl for it")


# OpenZFS declares these parameters as strings (module_param_call/ZFS_MODULE_PARAM_CALL with
# a charp or string handler; targets/openzfs/zfs-*.json "type"); every other one is a number.
STRING_TYPES = ("string", "charp")
# What a string tunable may hold: the values OpenZFS documents are implementation names,
# paths and zio_taskq_* lists ("fixed,1,8 null scale null"): words separated by single spaces.
_STRING_TUNABLE = re.compile(r"[A-Za-z0-9_.,:/+-]+( [A-Za-z0-9_.,:/+-]+)*")
_MAX_STRING_TUNABLE = 256


@rule(codes.TUNABLE_VALUE, rationale="""
A tunable's value goes into /etc/modprobe.d/zfs.conf or /boot/loader.conf, files that run as
root on every boot. OpenZFS reads most parameters as numbers; only a few are strings (the
checksum implementation choices, zio_taskq_*, spa_config_path). mscc accepts a string only
for a string parameter, and then only words of letters, digits and `_ . , : / + -` separated
by single spaces: no quotes, no newlines, nothing a conf reader would take for a second line.
""", fail=f"""
profile vm {{{_BASE}  zfs {{
    tunables {{ zfs_txg_timeout = "10 install zfs /bin/sh" }}
  }}
}}
""", passes=f"""
profile vm {{{_BASE}  zfs {{
    tunables {{ zfs_txg_timeout = 10  zfs_fletcher_4_impl = "scalar" }}
  }}
}}
""")
def tunable_values(ctx: TargetContext) -> Iterator[Diagnostic]:
    zfs = ctx.target.zfs if _zfs(ctx) else None
    if zfs is None or not ctx.profile.tunables or zfs.get("provider") != "openzfs" or ctx.version is None:
        return
    series = zfsdb.series_for(ctx.target.name, ctx.version["name"])
    if series is None:
        return
    known = zfsdb.tunables(series)
    from mscc.language import BOOL_WORDS

    for name, located in sorted(ctx.profile.tunables.items()):
        info = known.get(name)
        value = located.value
        if info is None or not isinstance(value, str):
            continue  # unknown names are MS407; numbers and sizes are numbers
        if info.get("type") in STRING_TYPES:
            if len(value) > _MAX_STRING_TUNABLE or not _STRING_TUNABLE.fullmatch(value):
                yield diag(codes.TUNABLE_VALUE, located.span,
                           f"{name}: {located.text} is not a value mscc writes into a conf file",
                           "words of letters, digits and _ . , : / + - separated by single spaces")
        elif value not in BOOL_WORDS:
            yield diag(codes.TUNABLE_VALUE, located.span,
                       f"{name} is a number parameter ({info.get('type') or 'numeric'}), not {located.text}",
                       f"write a number, e.g. {name} = {info.get('default_value', 1)}")


_POOL = re.compile(r"^[A-Za-z][A-Za-z0-9_.:-]*$")
_DATASET = re.compile(r"^[A-Za-z][A-Za-z0-9_.:-]*(/[A-Za-z0-9_.:-]+)+$")
_DEVICE = re.compile(r"^/[A-Za-z0-9_.:+/-]+$")
_RESERVED_POOLS = ("mirror", "raidz", "draid", "spare", "log", "cache")


@rule(codes.BAD_ZFS_NAME, scope="profile", rationale="""
zpool(8) and zfs(8) accept pool and dataset names made of letters, digits, `_ . : -` (a pool
name starts with a letter and is not a vdev keyword such as mirror or log), and every dataset
lives inside its pool. A name outside those rules fails in zfs-setup.sh on the guest; mscc
refuses it at compile time. Device paths must be plain absolute paths.
""", fail="""
profile vm {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { memory = 8GiB }
  zfs { pool = "zroot"  dataset "tank/db" { recordsize = 16K } }
}
""", passes="""
profile vm {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { memory = 8GiB }
  zfs { pool = "zroot"  dataset "zroot/db" { recordsize = 16K } }
}
""")
def zfs_names(ctx: ProfileContext) -> Iterator[Diagnostic]:
    p = ctx.profile
    if not p.zfs_wanted:
        return
    pool = p.get("zfs.pool")
    if not _POOL.fullmatch(pool) or (pool.startswith(_RESERVED_POOLS) and pool in _RESERVED_POOLS):
        yield diag(codes.BAD_ZFS_NAME, p.where("zfs.pool"), f"{pool!r} is not a valid pool name",
                   "a pool name starts with a letter and holds letters, digits, _ . : -")
    for ds in p.datasets:
        if not _DATASET.fullmatch(ds.name):
            yield diag(codes.BAD_ZFS_NAME, ds.span, f"{ds.name!r} is not a valid dataset name",
                       "write POOL/NAME with letters, digits, _ . : -")
        elif ds.name.split("/")[0] != pool:
            yield diag(codes.BAD_ZFS_NAME, ds.span, f"dataset {ds.name!r} is not in pool {pool!r}",
                       f"write {pool}/{ds.name.split('/', 1)[1]}, or set zfs.pool")
    for key in ("zfs.slog", "zfs.l2arc"):
        value = p.get(key)
        if value not in ("none", "ram") and not _DEVICE.fullmatch(value):
            yield diag(codes.BAD_ZFS_NAME, p.where(key), f"{value!r} is not a device path",
                       "write an absolute path such as /dev/vtbd1")
    recordsizes = [("zfs.recordsize", p.settings.get("zfs.recordsize"))] + [
        (ds.name, ds.props.get("recordsize")) for ds in p.datasets]
    for _where, located in recordsizes:
        if located is None:
            continue
        size = located.value
        if size < 512 or size > 16 * MIB or size & (size - 1):
            yield diag(codes.BAD_ZFS_NAME, located.span, f"recordsize {located.text} is not a power of two "
                       "from 512 to 16M", "common choices: 16K for databases, 128K (default), 1M for media")
