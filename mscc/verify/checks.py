"""What verify.sh reads back in the guest: one Check per setting the profile makes.

Every Check comes from the function that emits the setting (alpine.modprobe_lines,
freebsd.loader_lines, bsd.sysctl_lines, zfsplan.plan, the target's device table), so a
setting cannot be emitted without being verified, and there is no second list to keep in
step. The shell side (targets/common/templates/verify.sh.j2) defines one reader function per
`reader` name below; READERS is that set, and a test keeps the two equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from mscc.check.context import Context

# reader name → what it prints (the shell functions of verify.sh.j2)
READERS = {
    "page_size": "the page size in bytes",
    "uname_value": "uname with one flag",
    "sysctl_value": "sysctl -n NAME",
    "kenv_value": "kenv -q NAME (FreeBSD's loader environment)",
    "modparam": "a Linux module parameter from sysfs (Y/N read as 1/0)",
    "zfs_value": "zfs get -Hp -o value PROP DATASET",
    "path_exists": "present or absent: a sysfs driver directory",
    "sysctl_node": "present or absent: sysctl -N NAME has output",
    "dmesg_has": "present or absent: the boot messages match an extended regular expression",
    "kld_loaded": "present or absent: kldstat -q -m NAME",
    "modstat_has": "present or absent: modstat lists the module",
}
MATCHES = ("eq", "prefix", "contains", "words")


@dataclass(frozen=True)
class Check:
    setting: str
    wanted: str
    reader: str
    args: tuple[str, ...]
    how: str
    match: str = "eq"

    def __post_init__(self) -> None:
        if self.reader not in READERS or self.match not in MATCHES:
            raise ValueError(f"unknown reader or match: {self.reader}, {self.match}")


@cache
def _drivers() -> dict:
    from mscc.knowledge.targets import load_json

    return load_json("common/verify-drivers.json")


# --- pieces every target shares ----------------------------------------------------------------

def _bsd_page_size(ctx: Context) -> Check:
    return Check("page size", str(ctx.page_size_kib * 1024), "sysctl_value", ("hw.pagesize",), "sysctl -n hw.pagesize")


def _sysctl(name: str, value: str) -> Check:
    # sysctl prints vectors with tabs or several spaces: compare word by word
    return Check(f"sysctl {name}", value, "sysctl_value", (name,), f"sysctl -n {name}", "words")


def _zfs_wanted(prop: str, value: str) -> str:
    """What `zfs get -Hp` prints for a value zfs-setup.sh sets (-p: sizes in bytes)."""
    from mscc.units import parse_size

    if prop == "recordsize":
        size = parse_size(value if value[-1:].isalpha() else value + "B")
        return str(size) if size is not None else value
    return value


def _datasets(ctx: Context) -> list[Check]:
    if not ctx.profile.zfs_wanted:
        return []
    from mscc.emit import zfsplan

    plan = zfsplan.plan(ctx)
    out = []
    for name, props in [(plan.pool, plan.pool_props), *plan.datasets]:
        for prop, value in props:
            out.append(Check(f"zfs {name} {prop}", _zfs_wanted(prop, value), "zfs_value", (prop, name),
                             f"zfs get -Hp -o value {prop} {name}"))
    return out


def _kept_and_removed(ctx: Context) -> tuple[list[str], list[str]]:
    """Device classes the kernel keeps (and has a driver for), and the ones it leaves out."""
    kept = [c for c in ctx.devices if ctx.target.devices.get(c)]
    removed = [c for c, entry in ctx.target.devices.items()
               if not c.startswith("_") and entry and c not in ctx.devices]
    return kept, removed


def _state(present: bool) -> str:
    return "present" if present else "absent"


# --- targets -----------------------------------------------------------------------------------

def _alpine(ctx: Context) -> list[Check]:
    from mscc.emit import alpine

    out = [Check("page size", str(ctx.page_size_kib * 1024), "page_size", (), "getconf PAGESIZE"),
           Check("kernel release", ctx.version["kernel"] + ".", "uname_value", ("-r",), "uname -r", "prefix")]
    drivers = _drivers()["alpine"]
    kept, removed = _kept_and_removed(ctx)
    for present, classes in ((True, kept), (False, removed)):
        for cls in classes:
            if cls in drivers:
                out.append(Check(f"device {cls}", _state(present), "path_exists", (drivers[cls],),
                                 f"test -d {drivers[cls]}"))
    for module, name, value, _ in alpine.modprobe_lines(ctx):
        path = f"/sys/module/{module}/parameters/{name}"
        out.append(Check(f"{module} module parameter {name}", value.strip('"'), "modparam", (path,), f"cat {path}"))
    for located in ctx.profile.raw.get("alpine", {}).get("sysctl", ()):
        m = alpine._SYSCTL_LINE.match(str(located.value))  # the emitter's own reading of the line
        if m:
            out.append(_sysctl(m.group(1).replace("/", "."), m.group(2)))
    return out + _datasets(ctx)


def _freebsd(ctx: Context) -> list[Check]:
    from mscc.emit import bsd, common, freebsd

    ident = common.kernel_ident(ctx.profile.name)
    out = [_bsd_page_size(ctx), Check("kernel ident", ident, "uname_value", ("-i",), "uname -i")]
    drivers = _drivers()["freebsd"]
    kept, removed = _kept_and_removed(ctx)
    # a class without `remove` stays in the kernel (it only costs a driver), so only the
    # removed classes the kernel config really drops are checked absent
    removed = [c for c in removed if ctx.target.devices[c].get("remove")]
    for present, classes in ((True, kept), (False, removed)):
        for cls in classes:
            if cls in drivers:
                node = f"dev.{drivers[cls]}"
                out.append(Check(f"device {cls}", _state(present), "sysctl_node", (node,), f"sysctl -N {node}"))
    lines, _series = freebsd.loader_lines(ctx)
    for name, value, _ in lines:
        if name == "zfs_load":
            out.append(Check("loader zfs_load", _state(value.upper() == "YES"), "kld_loaded", ("zfs",),
                             "kldstat -q -m zfs"))
        elif name.startswith("vfs.zfs."):  # a tunable: the effective value is its sysctl
            out.append(Check(f"zfs tunable {name}", value, "sysctl_value", (name,), f"sysctl -n {name}"))
        else:
            out.append(Check(f"loader {name}", value, "kenv_value", (name,), f"kenv -q {name}"))
    out += [_sysctl(name, value) for name, value in bsd.sysctl_lines(ctx)]
    return out + _datasets(ctx)


_SPEC = re.compile(r"^([a-z_][a-z0-9_]*?)\*(?: at ([a-z_][a-z0-9_]*?)\?)?$")


def _instance_regex(spec: str) -> str | None:
    """`ld* at virtio?` → the dmesg line of such an instance, `ld[0-9]+ at virtio[0-9]+`."""
    m = _SPEC.match(spec)
    if not m:
        return None
    return _line(f"{m.group(1)}[0-9]+ at " + (f"{m.group(2)}[0-9]+" if m.group(2) else ""))


def _line(regex: str) -> str:
    # NetBSD stamps each kernel message with the seconds since boot, `[     1.0000030] `
    return r"^(\[[ 0-9.]*\] )?" + regex


def _dmesg_check(cls: str, present: bool, regex: str, driver: str) -> Check:
    return Check(f"device {cls} ({driver})", _state(present), "dmesg_has", (regex,),
                 f'grep -E "{regex}" /var/run/dmesg.boot')


def _kern_version(ctx: Context) -> Check:
    from mscc.emit import common

    ident = common.kernel_ident(ctx.profile.name)
    return Check("kernel config", f"({ident})", "sysctl_value", ("kern.version",), "sysctl -n kern.version",
                 "contains")


def _netbsd(ctx: Context) -> list[Check]:
    from mscc.emit import bsd

    out = [_bsd_page_size(ctx), _kern_version(ctx)]
    kept, removed = _kept_and_removed(ctx)
    for present, classes, key in ((True, kept, "instances"), (False, removed, "remove")):
        for cls in classes:
            for spec in ctx.target.devices[cls].get(key, ()):
                regex = _instance_regex(spec)
                if regex:
                    out.append(_dmesg_check(cls, present, regex, spec))
    if ctx.profile.zfs_wanted:
        module = ctx.target.data["zfs"]["module"]
        out.append(Check(f"module {module}", "present", "modstat_has", (module,), f"modstat {module}"))
    out += [_sysctl(name, value) for name, value in bsd.sysctl_lines(ctx)]
    return out + _datasets(ctx)


def _openbsd(ctx: Context) -> list[Check]:
    from mscc.emit import bsd

    out = [_bsd_page_size(ctx), _kern_version(ctx)]
    kept, removed = _kept_and_removed(ctx)
    for present, classes, key in ((True, kept, "device"), (False, removed, "remove")):
        for cls in classes:
            for name in ctx.target.devices[cls].get(key, ()):
                out.append(_dmesg_check(cls, present, _line(f"{name}[0-9]+ at "), name))
    return out + [_sysctl(name, value) for name, value in bsd.sysctl_lines(ctx)]


BY_TARGET = {"alpine": _alpine, "freebsd": _freebsd, "netbsd": _netbsd, "openbsd": _openbsd}


def checks(ctx: Context) -> list[Check]:
    made = BY_TARGET[ctx.target.name](ctx)
    kept = {(c.reader, c.args) for c in made if c.wanted == "present"}
    out: dict = {}
    for check in made:
        key = (check.reader, check.args)
        if check.wanted == "absent" and key in kept:
            continue  # a driver a kept class needs stays, as in the kernel config
        out.pop(key, None)  # a later line for the same setting wins, as in the file it sets
        out[key] = check
    return list(out.values())
