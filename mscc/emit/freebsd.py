"""FreeBSD arm64: kernel config (GENERIC delta or VM-only), loader.conf, sysctl.conf,
zfs-setup.sh, build.sh and a Lima definition. Every option and device name emitted comes
from target.json and is checked against the names FreeBSD's own sources declare."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mscc import codes, loader_line
from mscc.knowledge import zfsdb
from mscc.check.context import Context
from mscc.diagnostics import diag
from mscc.emit.raw import unread_keys
from mscc.suggest import did_you_mean
from mscc.knowledge.targets import load_json

# What this target can produce (the Emitter interface, mscc.emit.registry), besides report.txt.
ARTIFACT_KINDS = ("kernel-config", "build-script", "loader-conf", "sysctl", "zfs-setup", "vm-definition",
                  "image-script")

_DIRECTIVE = re.compile(r"^\s*(options?|nooptions?|devices?|nodevices?|makeoptions?)\s+(\S.*?)\s*$")
# config(8) names may hold '-' and '.' (firmware devices such as rtwn-rtl8192cfwE, iwlwifi-9000)
_NAME_VALUE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]*)(=(\S+))?$")


@dataclass
class KernelPlan:
    groups: list = field(default_factory=list)  # [{"title", "lines"}]
    decisions: list = field(default_factory=list)

    def add(self, title: str, lines: list[str]) -> None:
        if lines:
            self.groups.append({"title": title, "lines": lines})


def _base_sets(ctx: Context):
    from mscc.knowledge.names import freebsd_names

    names = freebsd_names(ctx.version["name"])
    config = "GENERIC" if ctx.profile.get("kernel.base") == "generic" else "VIRT"
    return names, names.effective_options(config), names.effective_devices(config)


def kernel_plan(ctx: Context) -> KernelPlan:
    data = ctx.target.data
    _names, base_options, base_devices = _base_sets(ctx)
    plan = KernelPlan()
    kept = set(ctx.devices)
    add_dev, remove_dev, add_opt = set(), set(), set()

    wanted = [cls for cls in kept if ctx.target.devices.get(cls) and not ctx.older_than(
        ctx.target.devices[cls].get("since", "0"))]
    if any(cls.startswith("virtio-") for cls in wanted):
        add_dev.update(ctx.target.devices["_virtio"]["device"])
    for cls in wanted:
        entry = ctx.target.devices[cls]
        add_dev.update(entry.get("device", ()))
        add_opt.update(entry.get("options", ()))
    for cls, entry in ctx.target.devices.items():
        if cls.startswith("_") or entry is None or cls in kept:
            continue
        remove_dev.update(entry.get("remove", ()))
    crypto = data["crypto"]
    if ctx.profile.get("kernel.crypto"):
        add_dev.update(crypto["device"])
    else:
        remove_dev.update(crypto["remove"])
    remove_dev -= add_dev  # a device another kept class needs stays

    debug = data["debug"][ctx.profile.get("kernel.debug")]
    nooptions = sorted(o for o in debug.get("nooptions", ()) if o in base_options)
    debug_options = sorted(o for o in debug.get("options", ()) if o not in base_options)

    plan.add("debugging off: assertions and lock checking cost time on every call",
             [f"nooptions {o}" for o in nooptions])
    plan.add("debugging", [f"options {o}" for o in debug_options])
    plan.add("device classes this VM does not have",
             [f"nodevice {d}" for d in sorted(remove_dev & base_devices)])
    plan.add("device classes kept", [f"device {d}" for d in sorted(add_dev - base_devices)])
    plan.add("options the kept devices need", [f"options {o}" for o in sorted(add_opt - set(base_options))])
    raw = [line.value.strip() for line in ctx.profile.raw.get("freebsd", {}).get("kernel", ())]
    plan.add("raw lines from the profile", raw)

    plan.decisions += [
        "kernel base: " + ("include GENERIC" if ctx.profile.get("kernel.base") == "generic"
                           else "VM-only (std.arm64 + std.dev + std.virt)"),
        f"page size: {ctx.page_size_kib}K (FreeBSD arm64 has no other kernel option)",
        f"device classes kept: {', '.join(sorted(kept)) or 'none'}",
        f"debug: {ctx.profile.get('kernel.debug')}",
    ]
    return plan


def loader_lines(ctx: Context) -> tuple[list, str | None]:
    """(name, value, comment) for /boot/loader.conf, and the OpenZFS series when ZFS is set up.
    The raw loader lines land whether or not the profile sets up ZFS: loader.conf is not
    only ZFS's file (kern.*, hw.*, module loading)."""
    lines: list = []
    series = None
    if ctx.profile.zfs_wanted:
        series = zfsdb.series_for("freebsd", ctx.version["name"])
        if series is not None:  # a release without OpenZFS data is MS406 before emit
            lines += _zfs_loader_lines(ctx, series)
    for located in ctx.profile.raw.get("freebsd", {}).get("loader", ()):
        parsed = loader_line.parse(located.value)
        if parsed:  # check_raw reported any other line (MS603), so emit never sees one
            lines.append((parsed[0], parsed[1], "raw freebsd loader"))
    return lines, series


def _zfs_loader_lines(ctx: Context, series: str) -> list:
    tunables = zfsdb.tunables(series)
    lines = [("zfs_load", "YES", "load OpenZFS at boot")]
    for key, linux in (("zfs.arc_max", "zfs_arc_max"), ("zfs.arc_min", "zfs_arc_min")):
        if ctx.profile.has(key):
            lines.append((tunables[linux]["freebsd"], str(ctx.profile.get(key)), f"{key} = {ctx.profile.text(key)}"))
    for name, located in sorted(ctx.profile.tunables.items()):
        info = tunables.get(name)
        if info and info.get("freebsd"):
            lines.append((info["freebsd"], _tunable_value(located.value), f"zfs.tunables.{name} = {located.text}"))
    return lines


def _tunable_value(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


# kernel config, boot/loader.conf, etc/sysctl.conf, the src.conf of a 14 minimal image
RAW_KEYS = ("kernel", "loader", "sysctl", "src_conf")


def check_raw(ctx: Context) -> list:
    """Raw kernel and loader lines: the directive must be one config(8) knows, and every name
    one FreeBSD's sources declare (config(8) itself stops on unknown options and devices)."""
    from mscc.emit import freebsd_image  # the image's package names and src.conf lines

    image = freebsd_image.check(ctx)
    raw = ctx.profile.raw.get("freebsd", {})
    if not raw:
        return image
    # The name tables load only for raw lines: most profiles have none, and lint runs this.
    from mscc.knowledge.names import freebsd_names

    names = freebsd_names(ctx.version["name"])
    out = unread_keys(ctx, RAW_KEYS) + image
    for located in raw.get("kernel", ()):
        m = _DIRECTIVE.match(located.value)
        if not m:
            out.append(diag(codes.BAD_RAW_LINE, located.span,
                            f"not a FreeBSD kernel config directive: {located.value!r}",
                            "write `options NAME[=VALUE]`, `nooptions NAME`, `device NAME` or `nodevice NAME`"))
            continue
        directive, rest = m.groups()
        if directive.startswith("makeoption"):
            continue
        for word in re.split(r"\s*,\s*", rest):
            nv = _NAME_VALUE.match(word)
            if not nv:
                out.append(diag(codes.BAD_RAW_LINE, located.span, f"cannot read {word!r} in {located.value!r}"))
                continue
            name = nv.group(1)
            if "option" in directive and not names.has_option(name):
                out.append(diag(codes.UNKNOWN_OPTION, located.span,
                                f"FreeBSD {ctx.version['name']} declares no option {name}",
                                did_you_mean(name, names.options) or "config(8) stops with 'unknown option'"))
            elif "device" in directive and not names.has_device(name):
                out.append(diag(codes.UNKNOWN_DEVICE, located.span,
                                f"FreeBSD {ctx.version['name']} has no device {name} on arm64",
                                did_you_mean(name, names.devices) or "config(8) stops with 'device is unknown'"))
    series = zfsdb.series_for("freebsd", ctx.version["name"])
    known = zfsdb.by_freebsd_name(series) if series else {}
    for located in raw.get("loader", ()):
        parsed = loader_line.parse(located.value)
        if not parsed:
            out.append(diag(codes.BAD_RAW_LINE, located.span, f"not a loader.conf line: {located.value!r}",
                            'write NAME="value"'))
        elif parsed[0].startswith("vfs.zfs.") and parsed[0] not in known:
            out.append(diag(codes.UNKNOWN_TUNABLE, located.span,
                            f"OpenZFS {series} has no tunable {parsed[0]}",
                            did_you_mean(parsed[0], known) or "see zfs(4)"))
    for located in raw.get("sysctl", ()):
        if not re.match(r"^\s*[a-z][a-z0-9_.]*\s*=\s*\S", located.value):
            out.append(diag(codes.BAD_RAW_LINE, located.span, f"not a sysctl.conf line: {located.value!r}",
                            "write name=value"))
    return out


def _lima(ctx: Context) -> dict:
    facts = load_json("lima/templates.json")["freebsd"]
    images_tpl = facts["images_template"]
    images = images_tpl["images"]
    found = re.search(r"FreeBSD-(\d+\.\d+)-RELEASE", images[0]["location"]) if images else None
    release = found.group(1) if found else "?"
    same_major = release.split(".")[0] == ctx.version["name"].split(".")[0]
    images = [i for i in images_tpl["images"] if i["arch"] == "aarch64"] if same_major else []
    return {"minimum": facts["template"].get("minimumLimaVersion"), "images": images,
            "template_release": release}


def emit(ctx: Context) -> tuple[list, list[str]]:
    # Emit-only modules load here, not at import: check_raw() of this module runs on every
    # `mscc lint`, which a pre-commit hook pays for on each commit.
    from mscc.emit import common, zfsplan
    from mscc.emit.artifacts import Artifact
    from mscc.emit.render import render

    p = ctx.profile
    ident = common.kernel_ident(p.name)
    plan = kernel_plan(ctx)
    base = dict(profile=p.name, version=ctx.version["name"], source=common.source_of(ctx))
    artifacts = [
        Artifact(f"kernel/{ident}", "kernel-config",
                 render("freebsd/templates/kernel.conf.j2", ident=ident, base=p.get("kernel.base"),
                        groups=plan.groups, **base)),
        Artifact("build.sh", "build-script", render("freebsd/templates/build.sh.j2", ident=ident, **base),
                 executable=True),
    ]
    lines, series = loader_lines(ctx)
    artifacts.append(Artifact("boot/loader.conf", "loader-conf",
                              render("freebsd/templates/loader.conf.j2", lines=lines,
                                     openzfs=series or "none", **base)))
    sysctl = [tuple(s.strip() for s in loc.value.split("=", 1))
              for loc in p.raw.get("freebsd", {}).get("sysctl", ())]
    artifacts.append(Artifact("etc/sysctl.conf", "sysctl",
                              render("freebsd/templates/sysctl.conf.j2", lines=sysctl, **base)))
    decisions = list(plan.decisions)
    if p.zfs_wanted:
        setup, zfs_notes = zfsplan.setup_script(ctx)
        artifacts.append(setup)
        decisions += [f"OpenZFS {series}: loader.conf uses dotted vfs.zfs.* names"] + zfs_notes
    if p.get("image.minimal"):
        from mscc.emit import freebsd_image

        image, image_notes = freebsd_image.artifact(ctx, ident, zfs_setup=p.zfs_wanted)
        artifacts.append(image)
        decisions += image_notes
    lima = _lima(ctx)
    artifacts.append(Artifact("lima.yaml", "vm-definition",
                              render("freebsd/templates/lima.yaml.j2", lima=lima, cpus=p.get("vm.cpus"),
                                     chip=ctx.chip.name, memory=common.sizes(ctx)["vm_memory"],
                                     disk=common.sizes(ctx)["disk"], **base)))
    if not lima["images"]:
        decisions.append(f"no Lima image known for FreeBSD {ctx.version['name']}; lima.yaml lists none")
    return artifacts, decisions
