"""NetBSD 10 evbarm/aarch64: a kernel config that includes GENERIC64 and trims it, build.sh,
sysctl.conf, the ZFS module files, zfs-setup.sh and a QEMU launch script.

NetBSD's config(1) stops on `no options X` (and `no dev* at parent?`) when GENERIC64 never
selected X, and passes an undeclared option through as a silent -D flag. So every trim is
emitted only for what GENERIC64 is known to select, and every name is looked up in NetBSD's
names: names-10.json when it could be extracted, otherwise the hand-curated curated-10.json,
where a name mscc cannot confirm is a warning, never an error (targets/netbsd/NAMES.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mscc import codes
from mscc.check.context import Context
from mscc.diagnostics import Severity, diag
from mscc.emit.bsd import check_sysctl, qemu_script, sysctl_lines, wanted_classes
from mscc.emit.raw import unread_keys
from mscc.knowledge.names import SELECTED, UNCONFIRMED, NetBSDNames, base_name, netbsd_names
from mscc.suggest import did_you_mean

# What this target can produce (the Emitter interface, mscc.emit.registry), besides report.txt.
ARTIFACT_KINDS = ("kernel-config", "build-script", "sysctl", "zfs-tunables", "zfs-setup", "vm-definition")

# config(5) selection statements a raw line may use (bsd-kernel-facts.md §2.2)
_OPTIONS = re.compile(r"^\s*(no\s+)?(options|makeoptions|file-system)\s+(\S.*?)\s*$")
_NAME_VALUE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(=(\S+))?$")
_PSEUDO = re.compile(r"^\s*(no\s+)?pseudo-device\s+([A-Za-z_][A-Za-z0-9_]*)(\s+\d+)?\s*$")
_INSTANCE = re.compile(r"^\s*(no\s+)?(device|[a-z_][a-z0-9_]*?(?:\d+|\*))"
                       r"(?:\s+at\s+([a-z_][a-z0-9_]*?(?:\d+|\?)?))?(\s+\S.*?)?\s*$")


@dataclass(frozen=True)
class Statement:
    """One config(5) statement: kind is options, makeoptions, file-system, pseudo-device or
    instance; `no` marks the removal form."""

    kind: str
    names: tuple
    no: bool = False
    parent: str | None = None

    @property
    def spec(self) -> str:
        """`ld* at virtio?`, or a bare `nvme*`, as the GENERIC64 table keys it."""
        return f"{self.names[0]}* at {base_name(self.parent)}?" if self.parent else f"{self.names[0]}*"


def parse(line: str) -> Statement | None:
    m = _OPTIONS.match(line)
    if m:
        words = re.split(r"\s*,\s*", m.group(3))
        if m.group(2) != "options":
            return Statement(m.group(2), tuple(w.split("=", 1)[0] for w in words), bool(m.group(1)))
        found = [f for f in (_NAME_VALUE.match(w) for w in words) if f]
        if len(found) != len(words) or (m.group(1) and any(f.group(2) for f in found)):
            return None
        return Statement("options", tuple(f.group(1) for f in found), bool(m.group(1)))
    m = _PSEUDO.match(line)
    if m:
        return Statement("pseudo-device", (m.group(2),), bool(m.group(1)))
    m = _INSTANCE.match(line)
    if not m:
        return None
    no, word, parent, rest = m.groups()
    # `dev* at parent? [locators]`, `no dev* [at parent?]`, `no device at parent?`
    if (not no and not parent) or (rest and not parent) or (word == "device" and not (no and parent)):
        return None
    return Statement("instance", (word if word == "device" else base_name(word),), bool(no), parent)


@dataclass
class KernelPlan:
    groups: list = field(default_factory=list)        # [{"title", "lines"}]
    decisions: list = field(default_factory=list)
    problems: list = field(default_factory=list)      # diagnostics about what could not be emitted

    def add(self, title: str, lines: list[str]) -> None:
        if lines:
            self.groups.append({"title": title, "lines": lines})




def _unconfirmed(ctx: Context, names: NetBSDNames, key: str, subject: str, line: str):
    """MS632: GENERIC64's choice about `subject` is unknown, so mscc writes no `line` for it."""
    when = "selects" if line.startswith("no ") else "lacks"
    return diag(codes.NAME_UNCONFIRMED, ctx.profile.where(key),
                f"cannot confirm whether NetBSD {ctx.version['name']}'s GENERIC64 selects {subject}; "
                "mscc emits nothing for it",
                f"if your GENERIC64 {when} it, add `{line}` with raw netbsd ("
                + ("the extracted commits around netbsd-10 disagree about it)" if not names.curated else
                   f"{names.file} has no netbsd-10 source for it)"))


def kernel_plan(ctx: Context) -> KernelPlan:
    data = ctx.target.data
    names = netbsd_names(ctx.version["name"])
    plan = KernelPlan()
    kept = set(ctx.devices)
    wanted = wanted_classes(ctx)
    level = ctx.profile.get("kernel.debug")
    debug = data["debug"][level]

    no_options = []
    for name in debug.get("no_options", ()):
        status = names.option_status(name)
        if status == SELECTED:
            no_options.append(f"no options {name}")
        elif status == UNCONFIRMED:
            plan.problems.append(_unconfirmed(ctx, names, "kernel.debug", name, f"no options {name}"))
    add_options = []
    for name in debug.get("options", ()):
        status = names.option_status(name)
        if status == UNCONFIRMED:
            plan.problems.append(_unconfirmed(ctx, names, "kernel.debug", name, f"options {name}"))
        elif status != SELECTED:
            add_options.append(f"options {name}")
    plan.add("debugging off: DIAGNOSTIC's assertions cost time on every call", no_options)
    plan.add(f"debugging {level}", add_options)

    smp = data["generic"]["smp_option"]
    if ctx.profile.get("vm.cpus") == 1 and names.option_status(smp) == SELECTED:
        plan.add("one vCPU: a uniprocessor kernel", [f"no options {smp}"])

    needed = {spec for cls in wanted for spec in data["devices"][cls]["instances"]}
    remove = []
    for cls, entry in data["devices"].items():
        if not entry or cls in kept:
            continue
        for spec in entry.get("remove", ()):
            if spec not in needed and spec not in remove and names.instance_status(spec) == SELECTED:
                remove.append(spec)
    plan.add("device classes this VM does not have", [f"no {spec}" for spec in remove])

    add = []
    for cls in wanted:
        for spec in data["devices"][cls]["instances"]:
            status = names.instance_status(spec)
            if status == UNCONFIRMED:
                plan.problems.append(_unconfirmed(ctx, names, "kernel.devices", spec, spec))
            elif status != SELECTED and spec not in add:
                add.append(spec)
    plan.add("device classes kept that GENERIC64 does not attach", add)
    plan.add("raw lines from the profile",
             [located.value.strip() for located in ctx.profile.raw.get("netbsd", {}).get("kernel", ())])

    plan.decisions += [
        f"names: {names.summary}",
        f"kernel: include \"{data['generic']['include']}\" and trim it; config(1) stops on `no options X` when "
        "GENERIC64 never selected X, so only selections the names data confirms are removed",
        f"page size: {ctx.page_size_kib}K (AARCH64_PAGE_SHIFT is not a config(1) option)",
        f"device classes kept: {', '.join(sorted(kept)) or 'none'}",
        f"debug: {level}",
        "crypto: " + data["crypto"]["note"],
    ]
    if ctx.profile.get("kernel.base") == "minimal":
        plan.decisions.append("kernel.base = minimal: NetBSD 10 has no VM-only evbarm config, so the kernel is "
                              "GENERIC64 with the same trims")
    return plan


RAW_KEYS = ("kernel", "sysctl")  # kernel config lines, etc/sysctl.conf


def check_raw(ctx: Context) -> list:
    """Target checks that need NetBSD's names: what the kernel plan could not confirm, raw
    kernel lines, and ZFS settings NetBSD's old ZFS cannot take."""
    names = netbsd_names(ctx.version["name"])
    out = list(kernel_plan(ctx).problems) + unread_keys(ctx, RAW_KEYS)
    raw = ctx.profile.raw.get("netbsd", {})
    for located in raw.get("kernel", ()):
        out += _check_line(located, names, ctx.version["name"])
    out += check_sysctl(raw.get("sysctl", ()))
    out += _zfs_settings(ctx)
    return out


def _check_line(located, names: NetBSDNames, version: str) -> list:
    line, span = located.value, located.span
    st = parse(line)
    if st is None:
        return [diag(codes.BAD_RAW_LINE, span, f"not a NetBSD kernel config statement: {line!r}",
                     "write `options NAME[=VALUE]`, `no options NAME`, `pseudo-device NAME`, `dev* at parent?` "
                     "or `no dev* at parent?`")]
    # With only curated data an unlisted name is not known to be wrong: a warning. With a
    # complete extraction NetBSD's own rules apply: config(1) stops on an unknown device, and
    # turns an unknown option into a silent -D flag, which mscc reports as a warning anyway.
    if names.curated:
        option_hint = device_hint = f"not in {names.file}, a curated subset: check the name"
    else:
        option_hint = "config(1) passes it through as a -D flag, so a typo goes unnoticed"
        device_hint = "config(1) stops with 'unknown device'"
    device_severity = Severity.ERROR if names.authoritative else Severity.WARNING
    out = []
    if st.kind == "options":
        for name in st.names:
            if not names.has_option(name):
                out.append(diag(codes.UNKNOWN_OPTION, span, f"NetBSD {version}: option {name} is not declared",
                                did_you_mean(name, names.options) or option_hint, severity=Severity.WARNING))
            elif st.no:
                out += _removal(span, f"options {name}", names.option_status(name), names)
    elif st.kind == "pseudo-device":
        name = st.names[0]
        if name not in names.pseudo_devices:
            out.append(diag(codes.UNKNOWN_DEVICE, span, f"NetBSD {version}: pseudo-device {name} is not declared",
                            did_you_mean(name, names.pseudo_devices) or device_hint, severity=device_severity))
        elif st.no:
            out += _removal(span, f"pseudo-device {name}", names.pseudo_devices[name], names)
    elif st.kind == "instance" and st.names[0] != "device":
        device = st.names[0]
        if not names.has_device(device):
            out.append(diag(codes.UNKNOWN_DEVICE, span, f"NetBSD {version}: device {device} is not declared",
                            did_you_mean(device, names.devices) or device_hint, severity=device_severity))
        elif st.parent and not names.can_attach(device, base_name(st.parent)):
            out.append(diag(codes.UNKNOWN_DEVICE, span, f"NetBSD {version}: {device} is not known to attach at "
                            f"{base_name(st.parent)}", device_hint, severity=device_severity))
        elif st.no:
            out += _removal(span, st.spec, names.instance_status(st.spec), names)
    return out


def _removal(span, what: str, status: str, names: NetBSDNames) -> list:
    """`no <what>`: config(1) stops unless GENERIC64 selected <what>."""
    if status == SELECTED:
        return []
    if status == UNCONFIRMED:
        why = (f"{names.file} has no netbsd-10 source for it" if names.curated
               else "the extracted commits around netbsd-10 disagree about it")
        return [diag(codes.NAME_UNCONFIRMED, span, f"cannot confirm whether GENERIC64 selects {what}",
                     f"config(1) {'warns at' if what.startswith('options ') else 'stops on'} `no {what}` "
                     f"if it does not ({why})")]
    if what.startswith("options "):
        # NetBSD's config(1) only warns about `no options X` for an X nothing selected, and goes on.
        return [diag(codes.NO_UNSELECTED, span, f"GENERIC64 does not select {what}: config(1) warns and ignores "
                     f"`no {what}`", "drop the line; `no` removes only what GENERIC64 selects", Severity.WARNING)]
    return [diag(codes.NO_UNSELECTED, span, f"GENERIC64 does not select {what}: config(1) stops on `no {what}`",
                 "drop the line; `no` removes only what GENERIC64 selects")]


def _zfs_settings(ctx: Context) -> list:
    zfs = ctx.target.zfs
    p = ctx.profile
    if not p.zfs_wanted or zfs is None or zfs.get("tunables", True):
        return []
    out = []
    for key in ("zfs.arc_max", "zfs.arc_min"):
        if p.has(key):
            out.append(diag(codes.ZFS_TUNABLES_UNSUPPORTED, p.where(key),
                            f"{key} = {p.text(key)} is not applied on NetBSD {ctx.version['name']}",
                            zfs["tunables_note"]))
    for name, located in sorted(p.tunables.items()):
        out.append(diag(codes.ZFS_TUNABLES_UNSUPPORTED, located.span,
                        f"zfs tunable {name} is not applied on NetBSD {ctx.version['name']}", zfs["tunables_note"]))
    return out








def emit(ctx: Context) -> tuple[list, list[str]]:
    # Emit-only modules load here, not at import: check_raw() of this module runs on every
    # `mscc lint`, which a pre-commit hook pays for on each commit.
    from mscc.emit import common, zfsplan
    from mscc.emit.artifacts import Artifact
    from mscc.emit.render import render

    p = ctx.profile
    ident = common.kernel_ident(p.name)
    plan = kernel_plan(ctx)
    names = netbsd_names(ctx.version["name"])
    data = ctx.target.data
    base = dict(profile=p.name, version=ctx.version["name"], source=common.source_of(ctx))
    artifacts = [
        Artifact(f"kernel/{ident}", "kernel-config",
                 render("netbsd/templates/kernel.conf.j2", ident=ident, include=data["generic"]["include"],
                        groups=plan.groups, names_file=names.file, curated=names.curated, **base)),
        Artifact("build.sh", "build-script", render("netbsd/templates/build.sh.j2", ident=ident,
                                                    conf_dir=data["generic"]["conf_dir"], **base), executable=True),
    ]
    artifacts.append(Artifact("etc/sysctl.conf", "sysctl",
                              render("netbsd/templates/sysctl.conf.j2", lines=sysctl_lines(ctx), **base)))
    decisions = list(plan.decisions)
    if p.zfs_wanted:
        zfs = data["zfs"]
        artifacts += [
            Artifact("etc/modules.conf", "zfs-tunables",
                     render("netbsd/templates/modules.conf.j2", module=zfs["module"], note=zfs["tunables_note"],
                            **base)),
            Artifact("etc/rc.conf.d/modules", "zfs-tunables", render("netbsd/templates/rc.conf.modules.j2", **base)),
        ]
        setup, zfs_notes = zfsplan.setup_script(ctx)
        artifacts.append(setup)
        decisions += [f"ZFS: load the {zfs['module']} module at boot through /etc/modules.conf and modules=YES "
                      f"({zfs['module_source']})",
                      f"ZFS: no ARC or module tunables are written: {zfs['tunables_note']}"] + zfs_notes
    artifacts.append(qemu_script(ctx, guest="NetBSD", machine="evbarm-aarch64", facts="bsd-kernel-facts.md §2.7",
                                 boots_note=" NetBSD 10.1 boots under UTM's QEMU 4.5.4."))
    decisions.append("VM definition: qemu.sh (QEMU with HVF); Lima has no NetBSD template (bsd-kernel-facts.md §2.7)")
    decisions += common.device_notes(ctx)
    return artifacts, decisions
