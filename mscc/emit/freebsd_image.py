"""The minimal FreeBSD image (`image/build-image.sh`): ZFS + SSH + networking on a ZFS root
made with `makefs -t zfs`, in a GPT image with an EFI system partition made with `mkimg`.

FreeBSD 15 installs base-system packages (`pkg --rootdir`), named as FreeBSD 15.0's
release/packages defines them (base-packages-15.json); FreeBSD 14 runs buildworld and
installworld with a src.conf whose knobs are those tools/build/options/ documents
(src-knobs-14.json). The choice of packages and knobs is targets/freebsd/target.json's
`image` table; the same `.msk` settings as Alpine's image drive it (minimal, packages, ssh).
"""

from __future__ import annotations

import re
from functools import cache

from mscc import codes
from mscc.check.context import Context
from mscc.diagnostics import Diagnostic, diag
from mscc.suggest import did_you_mean
from mscc.knowledge.targets import load_json

PATH = "image/build-image.sh"
PREFIX = "FreeBSD-"  # release/packages/template.ucl: name = "${PKG_NAME_PREFIX}-${PKGNAME}"
ARCH = "aarch64"
# What pkg(8) takes as one package name: no option (leading -), no glob, no shell word splitting.
_PACKAGE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+@-]*$")
# One src.conf knob: only WITH_/WITHOUT_ names are read here; the value does not matter to make.
_KNOB_LINE = re.compile(r"^\s*((?:WITH|WITHOUT)_[A-Za-z0-9_]+)\s*=\s*(\S*)\s*$")


@cache
def base_packages() -> dict:
    """FreeBSD 15.0's base-system package facts (scripts/extract_freebsd_image_facts.py)."""
    return load_json("freebsd/base-packages-15.json")


@cache
def src_knobs() -> frozenset[str]:
    """The WITH_*/WITHOUT_* knobs of FreeBSD 14's tools/build/options/."""
    return frozenset(load_json("freebsd/src-knobs-14.json")["knobs"])


def method(ctx: Context) -> str:
    """"pkgbase" (15) or "buildworld" (14), from the version's entry in target.json."""
    return str(ctx.version.get("image", "pkgbase"))


def _image_table(ctx: Context) -> dict:
    return ctx.target.data["image"]


def major(ctx: Context) -> str:
    return ctx.version["name"].split(".")[0]


def _minor(ctx: Context) -> str:
    parts = ctx.version["name"].split(".")
    return parts[1] if len(parts) > 1 and parts[1].isdigit() else "0"


# --- package names -----------------------------------------------------------------------

def base_package_names() -> list[str]:
    """Every whole name a 15.0 base package can have: the packages, their sets' metapackages."""
    facts = base_packages()
    return [PREFIX + n for n in facts["packages"]] + [f"{PREFIX}set-{s}" for s in facts["sets"]]


def base_name_problem(name: str) -> str | None:
    """Why `name` is not a FreeBSD 15.0 base package, or None when it is one (a package, a
    subpackage of one, or a set metapackage)."""
    facts = base_packages()
    rest = name[len(PREFIX):]
    if rest.startswith("set-"):
        return None if rest[len("set-"):] in facts["sets"] else f"FreeBSD 15.0 defines no set {rest[4:]!r}"
    if rest.startswith("kernel-") and rest != "kernel-man":
        return "a kernel package would replace the kernel build.sh builds, which is the image's kernel"
    if rest in facts["packages"]:
        return None
    for suffix in facts["subpackage_suffixes"]:  # longest first: -dev-lib32 before -lib32
        if rest.endswith(suffix) and rest[: -len(suffix)] in facts["packages"]:
            return None
    return f"FreeBSD 15.0's release/packages defines no package {name}"


def classify(ctx: Context) -> tuple[list[str], list[str]]:
    """The profile's extra packages: (base-system ones, ports ones). Base names only exist
    on 15; on 14 every name is a port."""
    extra = [str(x) for x in (ctx.profile.get("image.packages") or ())]
    base = [n for n in extra if n.startswith(PREFIX)]
    return base, [n for n in extra if not n.startswith(PREFIX)]


def check(ctx: Context) -> list[Diagnostic]:
    """The image's package names and src.conf lines (runs under lint too: light)."""
    out: list[Diagnostic] = []
    p = ctx.profile
    minimal = bool(p.get("image.minimal"))
    how = method(ctx)
    if minimal:
        span = p.where("image.packages")
        unchecked = []
        for name in (str(x) for x in (p.get("image.packages") or ())):
            if not _PACKAGE_NAME.match(name):
                out.append(diag(codes.BAD_IMAGE_PACKAGE, span, f"{name!r} is not a package name",
                                "letters, digits and . _ + @ -, not starting with -"))
            elif name.startswith(PREFIX) and how == "buildworld":
                out.append(diag(codes.BAD_IMAGE_PACKAGE, span,
                                f"{name}: FreeBSD {ctx.version['name']} images are built with buildworld, "
                                "and base-system packages are FreeBSD 15's",
                                "drop it: the world's contents follow src.conf (raw freebsd src_conf)"))
            elif name.startswith(PREFIX):
                problem = base_name_problem(name)
                if problem:
                    out.append(diag(codes.BAD_IMAGE_PACKAGE, span, problem,
                                    did_you_mean(name, base_package_names()) or
                                    "see release/packages/ucl of FreeBSD 15.0"))
            else:
                unchecked.append(name)
        if unchecked:
            out.append(diag(codes.IMAGE_PACKAGES_UNCHECKED, span,
                            f"not checked: {', '.join(unchecked)} (ports packages; mscc has no list of "
                            f"FreeBSD {major(ctx)}'s ports)", "pkg(8) stops at a name the repository lacks"))
    lines = p.raw.get("freebsd", {}).get("src_conf", ())
    if lines and not (minimal and how == "buildworld"):
        out.append(diag(codes.UNKNOWN_SETTING, lines[0].span,
                        "raw freebsd has no `src_conf` lines here: only a FreeBSD 14 minimal image "
                        "(buildworld) reads a src.conf",
                        "FreeBSD 15 images install base-system packages: name them in image.packages"))
        return out
    for located in lines:
        m = _KNOB_LINE.match(str(located.value))
        if not m:
            out.append(diag(codes.BAD_RAW_LINE, located.span, f"not a src.conf knob line: {located.value!r}",
                            "write WITHOUT_NAME=yes or WITH_NAME=yes"))
        elif m.group(1) not in src_knobs():
            out.append(diag(codes.UNKNOWN_SRC_KNOB, located.span,
                            f"FreeBSD {major(ctx)}'s tools/build/options documents no knob {m.group(1)}: "
                            "make would ignore it", did_you_mean(m.group(1), src_knobs()) or
                            "see src.conf(5)"))
    return out


# --- the script --------------------------------------------------------------------------

def _repo(ctx: Context, name: str) -> dict:
    """A repository of pkg's release configuration, its ${...} variables filled in."""
    repo = dict(base_packages()["repositories"][name])
    values = {"ABI": f"FreeBSD:{major(ctx)}:{ARCH}", "VERSION_MAJOR": major(ctx), "VERSION_MINOR": _minor(ctx)}
    for key in ("url", "fingerprints"):
        repo[key] = re.sub(r"\$\{([A-Z_]+)\}", lambda m: values.get(m.group(1), m.group(0)), repo[key])
    return repo


def repo_conf(repo_name: str, repo: dict) -> list[str]:
    """The lines of a pkg repository configuration file (pkg.conf(5) syntax)."""
    return ([f"{repo_name}: {{"] + [f'  {key}: "{repo[key]}",' for key in
                                    ("url", "mirror_type", "signature_type", "fingerprints")]
            + ["  enabled: yes", "}"])


def base_selection(ctx: Context) -> list[str]:
    """The 15 image's base packages, with the FreeBSD- prefix, the profile's own last."""
    table = _image_table(ctx)["pkgbase"]
    names = list(table["base"]) + (list(table["ssh"]) if ctx.profile.get("image.ssh") else [])
    extra, _ = classify(ctx)
    return list(dict.fromkeys([PREFIX + n for n in names] + extra))


def knob_lines(ctx: Context) -> list[tuple[str, str]]:
    """(knob line, why) for the 14 image's src.conf: the table's, then the profile's raw lines."""
    table = _image_table(ctx)["buildworld"]["without"]
    out = [(f"WITHOUT_{name}=yes", why) for name, why in table.items()]
    if ctx.profile.get("image.ssh") is False:
        out.append(("WITHOUT_OPENSSH=yes", "image.ssh = no"))
    for located in ctx.profile.raw.get("freebsd", {}).get("src_conf", ()):
        m = _KNOB_LINE.match(str(located.value))
        if m:  # check() reported any other line, so emit never sees one
            out.append((f"{m.group(1)}={m.group(2)}", "raw freebsd src_conf"))
    return out


def makefs_datasets(ctx: Context) -> list[str]:
    """The `fs=` options of makefs -t zfs: the fixed layout, then the profile's datasets under
    the pool. makefs takes only layout properties; zfs-setup.sh sets the rest on first boot."""
    pool = str(ctx.profile.get("zfs.pool"))
    layout = _image_table(ctx)["layout"]["datasets"]
    out = [f"fs={pool};mountpoint=/{pool}"]
    for entry in layout:
        props = [f"{k}={v}" for k, v in entry.items() if k != "name"]
        out.append(";".join([f"fs={pool}/{entry['name']}"] + props))
    known = {f"{pool}/{entry['name']}" for entry in layout}
    for ds in ctx.profile.datasets:
        if ds.name.startswith(pool + "/") and ds.name not in known:
            out.append(f"fs={ds.name}")
    return out


def hostname(name: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")[:63] or "freebsd"


def artifact(ctx: Context, ident: str, zfs_setup: bool):
    """image/build-image.sh and the decisions the report lists about it."""
    from mscc.emit import common
    from mscc.emit.artifacts import Artifact
    from mscc.emit.render import render

    p = ctx.profile
    how = method(ctx)
    pool = str(p.get("zfs.pool"))
    facts = base_packages()
    _, ports = classify(ctx)
    rc_conf = [f'hostname="{hostname(p.name)}"', 'zfs_enable="YES"', 'ifconfig_DEFAULT="DHCP"', 'dumpdev="NO"']
    if p.get("image.ssh"):
        rc_conf.append('sshd_enable="YES"')
    if zfs_setup:
        rc_conf.append('mscc_firstboot_enable="YES"')
    text = render("freebsd/templates/build-image.sh.j2", profile=p.name, version=ctx.version["name"],
                  source=common.source_of(ctx), method=how, major=major(ctx), abi=f"FreeBSD:{major(ctx)}:{ARCH}",
                  kernconf=ident, pool=pool, bootfs=f"{pool}/{_image_table(ctx)['layout']['bootfs']}",
                  datasets=makefs_datasets(ctx), packages=base_selection(ctx) if how == "pkgbase" else [],
                  ports=ports, base_repo=_repo(ctx, "FreeBSD-base"),
                  ports_conf=repo_conf("FreeBSD-ports", _repo(ctx, "FreeBSD-ports")),
                  knobs=knob_lines(ctx) if how == "buildworld" else [], rc_conf=rc_conf,
                  ssh=bool(p.get("image.ssh")), zfs_setup=zfs_setup, zfs_load=not p.zfs_wanted,
                  efi_boot=facts["efi"]["arm64_boot_file"], esp_kib=facts["efi"]["fat32_min_kib"])
    decisions = []
    if how == "pkgbase":
        decisions.append(f"{PATH}: FreeBSD {ctx.version['name']} from base-system packages "
                         + ", ".join(base_selection(ctx)) + " (names checked against FreeBSD 15.0's release/packages)")
    else:
        decisions.append(f"{PATH}: FreeBSD {ctx.version['name']} by buildworld/installworld with "
                         f"{len(knob_lines(ctx))} src.conf knobs (checked against 14.0-STABLE's tools/build/options)")
    if ports:
        decisions.append(f"{PATH}: ports packages not checked: {', '.join(ports)}")
    decisions.append(f"{PATH}: ZFS root pool {pool} by makefs -t zfs (layout only: the profile's properties "
                     "are set on first boot by zfs-setup.sh), GPT with an EFI system partition by mkimg")
    if not p.zfs_wanted:
        decisions.append(f"{PATH}: the image's root is ZFS even though the profile sets up no ZFS: "
                         "zfs_load is added to its loader.conf")
    return Artifact(PATH, "image-script", text, executable=True), decisions
