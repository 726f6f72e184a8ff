"""Alpine Linux (aarch64, Linux 6.12 LTS): two Kconfig fragments (virt and minimal), the ZFS
module options, sysctl.d, zfs-setup.sh, build.sh, a minimal-image script and a Lima definition.
Every Kconfig line comes from the table in targets/alpine/target.json (alpine_kconfig), every
module parameter from the OpenZFS release the Alpine version ships."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from mscc import codes
from mscc.knowledge import zfsdb
from mscc.check.context import Context
from mscc.diagnostics import diag
from mscc.emit.raw import unread_keys
from mscc.language import BOOL_WORDS
from mscc.suggest import did_you_mean
from mscc.knowledge.targets import load_json
from mscc.knowledge.zfsdb import tunables as zfs_tunables

if TYPE_CHECKING:
    from mscc.emit.alpine_kconfig import Plan

# What this target can produce (the Emitter interface, mscc.emit.registry), besides report.txt.
ARTIFACT_KINDS = ("kernel-config", "zfs-tunables", "zfs-setup", "sysctl", "build-script", "image-script",
                  "vm-definition")

FRAGMENTS = {"virt": "kernel/virt.fragment.config", "minimal": "kernel/minimal.fragment.config"}
MODPROBE = "etc/modprobe.d/zfs.conf"
SYSCTL = "etc/sysctl.d/90-mscc.conf"

_SYSCTL_LINE = re.compile(r"^\s*-?([a-z0-9_][a-z0-9_./-]*)\s*=\s*(\S.*?)\s*$")
_MODPROBE_OPTIONS = re.compile(r"^\s*options\s+(\S+)\s+(.+?)\s*$")
_PARAM = re.compile(r'^([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)$')
# FreeBSD disk names (vtbd, ada, da, nvd, md): a Linux guest calls its virtio disks /dev/vdX.
_BSD_DISK = re.compile(r"^/dev/(vtbd|ada|nvd|md|da|diskid/)")


# --- ZFS module parameters ---------------------------------------------------------------

def _series(ctx: Context) -> str | None:
    return zfsdb.series_for("alpine", ctx.version["name"])


def _release(ctx: Context) -> str | None:
    return zfsdb.shipped_version("alpine", ctx.version["name"])


def _linux_params(ctx: Context) -> dict:
    """Linux module parameter name → info, for the exact OpenZFS release Alpine ships."""
    available = zfsdb.available(_series(ctx), _release(ctx))
    # Parameters removed within a series carry no module; both known ones were zfs's.
    return {info["linux"]: {"linux_module": "zfs", **info} for info in available.values() if info.get("linux")}


def _param_value(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str) and value in BOOL_WORDS:
        return "1" if BOOL_WORDS[value] else "0"
    text = str(value)
    return f'"{text}"' if re.search(r"\s", text) else text


def _raw_modprobe_params(located) -> tuple[list, str | None]:
    """[(module or None, name, value)] of one raw modprobe string, or an error message."""
    text = str(located.value).strip()
    m = _MODPROBE_OPTIONS.match(text)
    module, rest = (m.group(1), m.group(2)) if m else (None, text)
    out = []
    for word in rest.split():
        p = _PARAM.match(word)
        if not p:
            return [], f"cannot read {word!r} in {text!r}"
        out.append((module, p.group(1), p.group(2)))
    return out, None


def modprobe_lines(ctx: Context) -> list[tuple[str, str, str, str]]:
    """(module, parameter, value, comment) for /etc/modprobe.d/zfs.conf."""
    p = ctx.profile
    known = _linux_params(ctx)
    out = []
    series = _series(ctx)
    if p.zfs_wanted and series:  # the raw lines below land without ZFS set up too
        for key, name in (("zfs.arc_max", "zfs_arc_max"), ("zfs.arc_min", "zfs_arc_min")):
            if p.has(key):
                out.append((known[name]["linux_module"], name, str(p.get(key)), f"{key} = {p.text(key)}"))
        series_info = zfs_tunables(series)
        for name, located in sorted(p.tunables.items()):
            info = series_info.get(name)
            if info and info.get("linux"):
                out.append((info["linux_module"], info["linux"], _param_value(located.value),
                            f"zfs.tunables.{name} = {located.text}"))
    for located in p.raw.get("alpine", {}).get("modprobe", ()):
        params, _ = _raw_modprobe_params(located)
        for module, name, value in params:
            info = known.get(name)
            out.append((module or (info or {}).get("linux_module") or "zfs", name, value, "raw alpine modprobe"))
    return out


# --- checks ------------------------------------------------------------------------------

RAW_KEYS = ("kernel", "sysctl", "modprobe")  # Kconfig fragment, sysctl.d, modprobe.d/zfs.conf


def check_raw(ctx: Context) -> list:
    raw = ctx.profile.raw.get("alpine", {})
    # The Kconfig table and reader load only for raw kernel lines: lint runs this on every profile.
    out: list = []
    if raw.get("kernel"):
        from mscc.emit import alpine_kconfig as kc

        out = kc.check_raw_kernel(ctx)
    out += unread_keys(ctx, RAW_KEYS)
    series = _series(ctx)
    release = _release(ctx) or series
    # The parameter tables are built only for raw modprobe lines, the one place they are read.
    modprobe = raw.get("modprobe", ())
    known = _linux_params(ctx) if series and modprobe else {}
    whole = {info["linux"]: info for info in zfs_tunables(series).values()
             if info.get("linux")} if series and modprobe else {}

    def check_param(span, module, name):
        info = known.get(name)
        if info is None:
            if name in whole and whole[name].get("since"):
                return diag(codes.UNKNOWN_TUNABLE, span, f"'{name}' arrived in OpenZFS {whole[name]['since']}; "
                            f"alpine {ctx.version['name']} ships OpenZFS {release}",
                            "drop it, or choose a newer Alpine version")
            return diag(codes.UNKNOWN_TUNABLE, span, f"OpenZFS {release} has no module parameter '{name}'",
                        did_you_mean(name, known) or f"see zfs(4) of OpenZFS {series}")
        if module and module != info["linux_module"]:
            return diag(codes.BAD_RAW_LINE, span, f"'{name}' is a parameter of the {info['linux_module']} module, "
                        f"not of {module}", f"write `options {info['linux_module']} {name}=...`")
        return None

    if ctx.profile.zfs_wanted and series:
        # Names unknown to the series are MS407 from the zfs rules; here: FreeBSD-only ones.
        for name, located in sorted(ctx.profile.tunables.items()):
            info = zfs_tunables(series).get(name)
            if info is not None and not info.get("linux"):
                out.append(diag(codes.UNKNOWN_TUNABLE, located.span,
                                f"'{name}' exists only on FreeBSD; OpenZFS on Linux has no module parameter "
                                "of that name", "drop it for the alpine target"))
        for key in ("zfs.slog", "zfs.l2arc"):
            device = ctx.profile.get(key)
            if isinstance(device, str) and _BSD_DISK.match(device):
                out.append(diag(codes.FOREIGN_DEVICE_PATH, ctx.profile.where(key),
                                f"{device} is a FreeBSD device name; Alpine calls virtio disks /dev/vdX",
                                "use /dev/vdb (or /dev/disk/by-id/...) for the alpine target"))
    for located in modprobe:
        params, error = _raw_modprobe_params(located)
        if error or not params:
            out.append(diag(codes.BAD_RAW_LINE, located.span, error or f"empty modprobe line {located.value!r}",
                            "write `zfs_txg_timeout=10` or `options zfs zfs_txg_timeout=10`"))
            continue
        for module, name, _ in params:
            if module not in (None, "zfs", "spl"):
                out.append(diag(codes.BAD_RAW_LINE, located.span, f"module {module} is not zfs or spl",
                                "raw alpine modprobe lines configure the OpenZFS modules only"))
                break
            problem = check_param(located.span, module, name)
            if problem:
                out.append(problem)
    for located in raw.get("sysctl", ()):
        if not _SYSCTL_LINE.match(str(located.value)):
            out.append(diag(codes.BAD_RAW_LINE, located.span, f"not a sysctl.d line: {located.value!r}",
                            "write name = value, e.g. vm.swappiness = 10"))
    return out


# --- artifacts ---------------------------------------------------------------------------

def fragment(ctx: Context, variant: str, plan: Plan | None = None) -> str:
    from mscc.emit import common
    from mscc.emit import alpine_kconfig as kc
    from mscc.emit.render import render
    plan = plan or kc.plan(ctx, variant)
    db = kc.db_for(ctx)
    return render("alpine/templates/fragment.config.j2", profile=ctx.profile.name, variant=variant,
                  version=ctx.version["name"], kernel=ctx.version["kernel"], source=common.source_of(ctx),
                  kernel_version=db.kernel_version, groups=plan.lines(),
                  base=ctx.version["base"] if variant == "virt" else "tinyconfig")


def _base_config(ctx: Context) -> dict:
    from mscc.linux import alpine_base

    facts = alpine_base.facts()
    return {"name": ctx.version["base"], "url": facts["url"], "sha256": facts["sha256"]}


def _lima(ctx: Context) -> dict:
    facts = load_json("lima/templates.json")["alpine"]
    entry = facts["images"].get(ctx.version["name"], {})
    images = [i for i in entry.get("images", ()) if i["arch"] == "aarch64"]
    return {"minimum": facts["template"].get("minimumLimaVersion"), "images": images,
            "containerd": facts["template"].get("containerd", {"system": False, "user": False}),
            "vm_type": ctx.target.data["lima"]["vmType"][ctx.hypervisor], "kernel": custom_kernel(ctx)}


def custom_kernel(ctx: Context) -> dict | None:
    """Lima's images[].kernel for `vm.kernel = custom`, or None: only the minimal kernel boots
    without an initramfs (virtio-blk and ext4 built in); MS505 says so for the others."""
    p = ctx.profile
    if p.get("vm.kernel") != "custom" or p.get("kernel.base") != "minimal":
        return None
    facts = ctx.target.data["lima"]["custom_kernel"]
    cmdline = [f"console={facts['console'][ctx.hypervisor]}", f"root={facts['root']}", *facts["cmdline_extra"]]
    return {"location": facts["image"], "cmdline": " ".join(cmdline), "root_note": facts["root_note"]}


def _hostname(name: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")[:63] or "alpine"


def _packages(ctx: Context) -> list[str]:
    data = ctx.target.data["packages"]
    p = ctx.profile
    out = list(data["base"])
    if p.zfs_wanted:
        out += data["zfs"]
    if p.get("image.ssh"):
        out += data["ssh"]
    out += [str(x) for x in (p.get("image.packages") or ())]
    return list(dict.fromkeys(out))


def emit(ctx: Context) -> tuple[list, list[str]]:
    # Emit-only modules load here, not at import: check_raw() of this module runs on every
    # `mscc lint`, which a pre-commit hook pays for on each commit.
    from mscc.emit import common, zfsplan
    from mscc.emit.artifacts import Artifact
    from mscc.emit import alpine_kconfig as kc
    from mscc.emit.render import render

    p = ctx.profile
    base = dict(profile=p.name, version=ctx.version["name"], kernel=ctx.version["kernel"],
                source=common.source_of(ctx))
    plans = {v: kc.plan(ctx, v) for v in kc.VARIANTS}
    artifacts = [Artifact(FRAGMENTS[v], "kernel-config", fragment(ctx, v, plans[v])) for v in kc.VARIANTS]
    decisions = [
        f"page size: {ctx.page_size_kib}K" + (" (auto: Alpine's kernels are 4K-page kernels)"
                                              if p.get("kernel.page_size") == "auto" else ""),
        f"device classes kept: {', '.join(sorted(kc.kept_classes(ctx))) or 'none'}",
        f"crypto: {'ARMv8 crypto extensions of the ' + ctx.chip.name if p.get('kernel.crypto') else 'off'}",
        f"debug: {p.get('kernel.debug')}",
        f"kernel variants: virt ({sum(len(b) for _, b in plans['virt'].lines())} lines onto Alpine's "
        f"{ctx.version['base']}) and minimal ({sum(len(b) for _, b in plans['minimal'].lines())} lines onto "
        f"tinyconfig); build.sh builds {'minimal' if p.get('kernel.base') == 'minimal' else 'virt'} by default",
        f"symbols checked against Linux {kc.db_for(ctx).kernel_version} "
        f"({ctx.version['symbols']}); prove the fragments with `mscc audit` or `mscc compile --audit-with`",
    ]
    zfs = p.zfs_wanted
    # Raw modprobe lines land even without a zfs block: they are the user's own module
    # options, read whenever the zfs module loads (installed by hand or by another tool).
    raw_modprobe = bool(p.raw.get("alpine", {}).get("modprobe"))
    if zfs or raw_modprobe:
        series = _series(ctx)
        release = _release(ctx) or series
        artifacts.append(Artifact(MODPROBE, "zfs-tunables",
                                  render("alpine/templates/modprobe-zfs.conf.j2", lines=modprobe_lines(ctx),
                                         openzfs=series, openzfs_version=release, **base)))
        if not zfs:
            decisions.append(f"{MODPROBE}: the raw modprobe lines only; the profile sets up no ZFS")
    if zfs:
        setup, zfs_notes = zfsplan.setup_script(ctx)
        artifacts.append(setup)
        decisions += [f"OpenZFS {release} (Alpine {ctx.version['name']}): "
                      "module parameters in /etc/modprobe.d/zfs.conf, sizes in bytes",
                      "ZFS checksums run without in-kernel SIMD on Linux 6.12 arm64 (GPL-only NEON symbols)"]
        decisions += zfs_notes
    sysctl = []
    for located in p.raw.get("alpine", {}).get("sysctl", ()):
        m = _SYSCTL_LINE.match(str(located.value))
        if m is None:  # check_raw refused it, and a refused line never reaches emit
            continue
        sysctl.append((m.group(1), m.group(2)))
    artifacts.append(Artifact(SYSCTL, "sysctl", render("alpine/templates/sysctl.conf.j2", lines=sysctl, **base)))
    artifacts.append(Artifact("build.sh", "build-script",
                              render("alpine/templates/build.sh.j2", base_config=_base_config(ctx),
                                     aports_branch=ctx.version["aports_branch"], zfs=zfs,
                                     default_variant="minimal" if p.get("kernel.base") == "minimal" else "virt",
                                     **base), executable=True))
    if p.get("image.minimal"):
        artifacts.append(Artifact("image/mkimage.sh", "image-script",
                                  render("alpine/templates/mkimage.sh.j2", packages=_packages(ctx),
                                         hostname=_hostname(p.name), zfs=zfs, ssh=p.get("image.ssh"),
                                         has_modprobe=zfs or raw_modprobe,
                                         modprobe=MODPROBE, sysctl=SYSCTL, **base), executable=True))
        decisions.append("image/mkimage.sh: apk root file system with " + ", ".join(_packages(ctx))
                         + ("; its linux-virt kernel has 4K pages: boot build.sh's Image for "
                            f"{ctx.page_size_kib}K" if ctx.page_size_kib != 4 else ""))
    lima = _lima(ctx)
    by_path = {a.path: a.content for a in artifacts}
    artifacts.append(Artifact("lima.yaml", "vm-definition",
                              render("alpine/templates/lima.yaml.j2", lima=lima, cpus=p.get("vm.cpus"),
                                     chip=ctx.chip.name, memory=common.sizes(ctx)["vm_memory"],
                                     disk=common.sizes(ctx)["disk"], nested=p.get("vm.nested_virt"),
                                     files=[(path, by_path[path]) for path in (MODPROBE, SYSCTL) if path in by_path],
                                     zfs=zfs, **base)))
    if lima["kernel"]:
        decisions.append(f"lima.yaml boots build.sh's kernel {lima['kernel']['location']} "
                         f"({lima['kernel']['cmdline']}); create the instance where that file exists")
        if zfs:
            decisions.append("lima.yaml does not apk add zfs: Alpine's ZFS modules are built for its own "
                             "kernels; build ZFS for build.sh's kernel (build.sh prints how)")
    if not lima["images"]:
        decisions.append(f"no Lima image known for Alpine {ctx.version['name']}; lima.yaml lists none")
    return artifacts, decisions
