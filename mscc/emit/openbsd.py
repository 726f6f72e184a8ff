"""OpenBSD arm64: a complete kernel config, build.sh, sysctl.conf and a QEMU launch script.

OpenBSD's config(8) has no device-removal keyword (only `rmoption`), so a trimmed kernel is a
complete config. It is written from GENERIC's (or GENERIC.MP's) evaluated content in
names-7.json: machine, maxusers, options, makeoptions, the config line, the device instances
the profile keeps, and the pseudo-devices. Every name emitted is one names-7.json declares,
and every instance attaches to a parent that is itself in the config."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mscc import codes
from mscc.check.context import Context
from mscc.diagnostics import diag
# the two BSD emitters share what depends only on target.json's device classes
from mscc.emit.bsd import check_sysctl, qemu_script, sysctl_lines, wanted_classes
from mscc.emit.raw import unread_keys
from mscc.knowledge.names import OpenBSDNames, base_name, openbsd_names
from mscc.suggest import did_you_mean

# What this target can produce (the Emitter interface, mscc.emit.registry), besides report.txt.
ARTIFACT_KINDS = ("kernel-config", "build-script", "sysctl", "vm-definition")

# config(8)'s statements, as a raw line may use them (usr.sbin/config/gram.y, bsd-kernel-facts.md §3.1)
_OPTIONS = re.compile(r"^\s*(options?|rmoptions?|makeoptions?)\s+(\S.*?)\s*$")
_NAME_VALUE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(=(\S+))?$")
_PSEUDO = re.compile(r"^\s*pseudo-device\s+([A-Za-z_][A-Za-z0-9_]*)(\s+\d+)?\s*$")
_INSTANCE = re.compile(r"^\s*([a-z_][a-z0-9_]*?)(\d+|\*)\s+at\s+([a-z_][a-z0-9_]*?(?:\d+|\?)?)(\s+\S.*)?\s*$")


@dataclass(frozen=True)
class Statement:
    """One config(8) statement: kind is option, rmoption, makeoption, pseudo-device or instance."""

    kind: str
    names: tuple            # option names, or the device name
    parent: str | None = None


def parse(line: str) -> Statement | None:
    """A raw or generated config line, or None when config(8) would not read it this way."""
    m = _OPTIONS.match(line)
    if m:
        words = list(re.split(r"\s*,\s*", m.group(2)))
        found = [_NAME_VALUE.match(w) for w in words]
        if m.group(1).startswith("makeoption"):
            return Statement("makeoption", tuple(w.split("=", 1)[0] for w in words))
        names = tuple(f.group(1) for f in found if f)
        if len(names) != len(found):
            return None
        kind = "rmoption" if m.group(1).startswith("rm") else "option"
        return Statement(kind, names)
    m = _PSEUDO.match(line)
    if m:
        return Statement("pseudo-device", (m.group(1),))
    m = _INSTANCE.match(line)
    if m:
        return Statement("instance", (m.group(1),), m.group(3))
    return None


@dataclass
class KernelPlan:
    mp: bool
    generic: dict
    options: list = field(default_factory=list)       # [(name, value | None)]
    instances: list = field(default_factory=list)     # rendered lines, GENERIC order
    extra: list = field(default_factory=list)         # instances GENERIC does not have
    pseudo: list = field(default_factory=list)        # rendered lines
    raw: list = field(default_factory=list)
    decisions: list = field(default_factory=list)


def _order(generic: dict):
    """Sort key of a statement at (path, line) in the order config(8) reads the files."""
    keys: dict[str, tuple[int, ...]] = {}
    for step in generic["include_chain"]:
        if step["kind"] == "root":
            keys[step["path"]] = ()
        elif step["kind"] == "include":
            keys[step["path"]] = keys.get(step["from"], ()) + (step["line"],)
    return lambda path, line: keys.get(path, (10**9,)) + (line,)


def _instance_line(inst: dict) -> str:
    words = [f"{inst['instance']:<15} at {inst['parent']}"]
    if inst.get("locators"):
        words.append(inst["locators"])
    if inst.get("flags"):
        words.append(f"flags {inst['flags']}")
    if inst.get("disabled"):
        words.append("disable")
    return " ".join(words)


def _reachable(candidates: list, names: OpenBSDNames) -> list:
    """The instances config(8) can attach: those whose parent is root, a kept device or an
    attribute a kept device carries, grown from the root (a least fixed point, so that a cycle
    such as `pci* at ppb?` / `ppb* at pci?` survives only with a real host bridge)."""
    provided, alive, pending = {"root"}, [], list(candidates)
    changed = True
    while changed:
        changed = False
        for inst in list(pending):
            if base_name(inst["parent"]) in provided:
                alive.append(inst)
                pending.remove(inst)
                provided |= {inst["device"]} | names.attributes_of(inst["device"])
                changed = True
    return alive


def kernel_plan(ctx: Context) -> KernelPlan:
    data = ctx.target.data
    names = openbsd_names(ctx.version["name"])
    mp = ctx.profile.get("vm.cpus") > 1
    generic = names.generic(mp)
    order = _order(generic)
    plan = KernelPlan(mp, generic)
    kept = set(ctx.devices)
    wanted = wanted_classes(ctx)
    minimal = ctx.profile.get("kernel.base") == "minimal"

    keep = set(data["platform"]["devices"]) if minimal else {i["device"] for i in generic["instances"]}
    for cls, entry in data["devices"].items():
        if entry and cls not in kept:
            keep -= set(entry.get("remove", ()))
    for cls in wanted:
        keep |= set(data["devices"][cls]["device"])

    extras = list(data.get("extra_instances", ()))
    candidates = [i for i in generic["instances"] + extras if i["device"] in keep]
    alive = _reachable(candidates, names)
    in_generic = [i for i in alive if i not in extras]
    in_generic.sort(key=lambda i: order(i["path"], i["line"]))
    plan.instances = [_instance_line(i) for i in in_generic]
    plan.extra = [_instance_line(i) for i in alive if i in extras]

    options = dict(generic["options"])
    debug = data["debug"][ctx.profile.get("kernel.debug")]
    for name in debug.get("drop", ()):
        options.pop(name, None)
    added = [o for o in debug.get("options", ()) if o not in options]
    where = generic["options_where"]

    def option_key(name):
        path, _, line = where[name].rpartition(":")
        return order(path, int(line))

    plan.options = [(n, options[n]) for n in sorted(options, key=option_key)] + [(n, None) for n in added]
    plan.pseudo = [f"{n:<15} {p['count']}" if p.get("count") else n
                   for n, p in sorted(generic["pseudo_devices"].items())]
    plan.raw = [located.value.strip() for located in ctx.profile.raw.get("openbsd", {}).get("kernel", ())]

    lost = sorted({d for c in wanted for d in data["devices"][c]["device"]} - {i["device"] for i in alive})
    config = data["generic"]["config_mp" if mp else "config"]
    plan.decisions += [
        f"names: {names.file} ({names.release}, status {names.data['status']}): {names.data['source']['repo']}"
        f"@{names.data['source']['commit'][:12]}, upstream {names.data['source']['upstream']}",
        f"kernel: a complete config from {config}'s content (OpenBSD's config(8) cannot remove devices); "
        + ("VM platform devices only (kernel.base = minimal)" if minimal
           else "every GENERIC device except the classes this VM does not have"),
        f"{len(plan.instances) + len(plan.extra)} device instances, {len(plan.options)} options, "
        f"{len(plan.pseudo)} pseudo-devices",
        f"page size: {ctx.page_size_kib}K (OpenBSD arm64 hard-codes PAGE_SHIFT 12)",
        f"device classes kept: {', '.join(sorted(kept)) or 'none'}",
        f"debug: {ctx.profile.get('kernel.debug')}"
        + (f" (dropped {', '.join(debug['drop'])})" if debug.get("drop") else "")
        + (f" (added {', '.join(added)})" if added else ""),
        f"cpus: {ctx.profile.get('vm.cpus')} → " + ("GENERIC.MP: option MULTIPROCESSOR, cpu* at mainbus?" if mp
                                                     else "GENERIC: a uniprocessor kernel"),
        "crypto: " + data["crypto"]["note"],
    ]
    if lost:
        plan.decisions.append(f"no instance of {', '.join(lost)} can attach in this config")
    return plan


RAW_KEYS = ("kernel", "sysctl")  # kernel config lines, etc/sysctl.conf


def check_raw(ctx: Context) -> list:
    """Target checks that need OpenBSD's names: raw kernel lines (every name must be one
    names-7.json declares, every instance attachable, no option selected twice) and the
    console under vz."""
    names = openbsd_names(ctx.version["name"])
    out = list(_vz_console(ctx)) + unread_keys(ctx, RAW_KEYS)
    raw = ctx.profile.raw.get("openbsd", {})
    selected = {n for n, _ in kernel_plan(ctx).options} if raw.get("kernel") else set()
    for located in raw.get("kernel", ()):
        out += _check_line(located, names, selected, ctx.version["name"])
    return out + check_sysctl(raw.get("sysctl", ()))


def _check_line(located, names: OpenBSDNames, selected: set, version: str) -> list:
    """Diagnostics for one raw line; `selected` (the options set so far) is updated in place."""
    line, span = located.value, located.span
    st = parse(line)
    if st is None:
        return [diag(codes.BAD_RAW_LINE, span, f"not an OpenBSD kernel config statement: {line!r}",
                     "write `option NAME[=VALUE]`, `rmoption NAME`, `pseudo-device NAME` or `dev* at parent?`")]
    out = []
    if st.kind in ("option", "rmoption"):
        for name in st.names:
            if not names.has_option(name):
                out.append(diag(codes.UNKNOWN_OPTION, span, f"OpenBSD {version} knows no option {name}",
                                did_you_mean(name, names.options)
                                or "config(8) would pass it silently as -D" + name))
            elif st.kind == "option" and name in selected:
                out.append(diag(codes.DUPLICATE_OPTION, span, f"option {name} is already in the generated config",
                                f"config(8) stops with \"already have options '{name}'\"; "
                                f"write `rmoption {name}` first to change its value"))
            if st.kind == "option":
                selected.add(name)
            else:
                selected.discard(name)
    elif st.kind == "pseudo-device":
        name = st.names[0]
        if not names.has_pseudo(name):
            out.append(diag(codes.UNKNOWN_DEVICE, span, f"OpenBSD {version} has no pseudo-device {name}",
                            did_you_mean(name, names.pseudo_devices) or "config(8) stops on an unknown device"))
    elif st.kind == "instance":
        device, parent = st.names[0], base_name(st.parent or "")  # an instance always names its parent
        if not names.has_device(device):
            out.append(diag(codes.UNKNOWN_DEVICE, span, f"OpenBSD {version} has no device {device} on arm64",
                            did_you_mean(device, names.devices) or "config(8) stops on an unknown device"))
        elif parent != "root" and not names.has_device(parent) and parent not in names.data["attributes"]:
            out.append(diag(codes.UNKNOWN_DEVICE, span, f"OpenBSD {version} has no device or attribute {parent}",
                            did_you_mean(parent, set(names.devices) | set(names.data["attributes"]))))
        elif parent != "root" and not names.can_attach(device, parent):
            ats = sorted(a["at"] for a in names.data["attachments"] if a["device"] == device)
            out.append(diag(codes.UNKNOWN_DEVICE, span, f"{device} cannot attach at {parent} on OpenBSD {version}",
                            f"{device} attaches at {', '.join(ats)}" if ats else None))
    return out


def _vz_console(ctx: Context):
    hv = ctx.target.hypervisor(ctx.hypervisor)
    console = hv.get("console")
    if console and console not in ctx.devices:
        yield diag(codes.NO_CONSOLE_ON_VZ, ctx.profile.where("kernel.devices"),
                   f"under {ctx.hypervisor} OpenBSD's only console is the {console} framebuffer, "
                   f"and {console} is not kept",
                   f"add {console} (and usb-input for the keyboard) to kernel.devices; " + hv.get("console_note", ""))


def emit(ctx: Context) -> tuple[list, list[str]]:
    # Emit-only modules load here, not at import: check_raw() of this module runs on every
    # `mscc lint`, which a pre-commit hook pays for on each commit.
    from mscc.emit import common
    from mscc.emit.artifacts import Artifact
    from mscc.emit.render import render

    p = ctx.profile
    ident = common.kernel_ident(p.name)
    plan = kernel_plan(ctx)
    g = plan.generic
    base = dict(profile=p.name, version=ctx.version["name"], source=common.source_of(ctx))
    names = openbsd_names(ctx.version["name"])
    artifacts = [
        Artifact(f"kernel/{ident}", "kernel-config",
                 render("openbsd/templates/kernel.conf.j2", ident=ident, plan=plan, machine=g["machine"][0],
                        maxusers=g["maxusers"], makeoptions=sorted(g["makeoptions"].items()),
                        config_lines=g["config"], names_file=names.file, release=names.release,
                        config_name=ctx.target.data["generic"]["config_mp" if plan.mp else "config"], **base)),
        Artifact("build.sh", "build-script", render("openbsd/templates/build.sh.j2", ident=ident, **base),
                 executable=True),
    ]
    artifacts.append(Artifact("etc/sysctl.conf", "sysctl",
                              render("openbsd/templates/sysctl.conf.j2", lines=sysctl_lines(ctx), **base)))
    artifacts.append(qemu_script(ctx, guest="OpenBSD", machine="arm64", facts="bsd-kernel-facts.md §3.6",
                                 graphics="virtio-gpu" in wanted_classes(ctx)))
    decisions = list(plan.decisions)
    decisions.append("VM definition: qemu.sh (QEMU with HVF); Lima has no OpenBSD template (bsd-kernel-facts.md §3.6)"
                     + ("; this profile asks for vz, which mscc cannot describe as a file: give the VZ VM the same "
                        "devices" if ctx.hypervisor == "vz" else ""))
    decisions += common.device_notes(ctx)
    return artifacts, decisions
