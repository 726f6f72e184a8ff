"""Guest OS against hypervisor and version: what boots where, what mscc has data for."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mscc import codes
from mscc.check.context import TargetContext
from mscc.check.rule import rule
from mscc.diagnostics import Diagnostic, diag, registry


@rule(codes.VZ_FREEBSD, rationale="""
FreeBSD does not boot under Apple's Virtualization.framework out of the box: VZ offers no
UART and no SPCR table, and the loader finds no console (nextbsd/nextbsd-kernel#73). Lima's
FreeBSD template uses `vmType: qemu` for that reason.
""", fail="""
profile vm {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { hypervisor = vz  memory = 8GiB }
}
""", passes="""
profile vm {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { hypervisor = qemu  memory = 8GiB }
}
""")
def hypervisor_boots(ctx: TargetContext) -> Iterator[Diagnostic]:
    hv = ctx.target.hypervisor(ctx.hypervisor)
    if hv.get("boots", True):
        since, version = hv.get("since"), ctx.version
        if since and version and ctx.older_than(since):
            yield diag(registry()[hv.get("code", codes.VZ_UNSUPPORTED.code)], ctx.profile.where("vm.hypervisor"),
                       f"{ctx.target.data['title']} {version['name']} does not boot under {ctx.hypervisor}; "
                       f"{since} or later does", hv.get("hint"))
        return
    code = registry()[hv.get("code", codes.VZ_UNSUPPORTED.code)]
    yield diag(code, ctx.profile.where("vm.hypervisor"), hv["message"], hv.get("hint"))



@rule(codes.UNSUPPORTED_VERSION, rationale="""
Option names, device names and tunables differ between OS releases; mscc checks them against
name databases extracted per release and refuses versions it has no data for rather than
guessing.
""", fail="""
profile vm {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { memory = 8GiB  os = freebsd  version = "12.4" }
}
""", passes="""
profile vm {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { memory = 8GiB  os = freebsd  version = "14.3" }
}
""")
def version_supported(ctx: TargetContext) -> Iterator[Diagnostic]:
    if ctx.version is None:
        known = ", ".join(sorted(ctx.target.data["versions"]))
        yield diag(codes.UNSUPPORTED_VERSION, ctx.profile.where("vm.version"),
                   f"mscc has no data for {ctx.target.name} {ctx.profile.get('vm.version')}",
                   f"supported {ctx.target.name} versions: {known}")


# Alpine's package names are lower-case letters, digits and `. _ + -` (aports); anything else,
# and above all a leading `-`, is not a name: `apk add --allow-untrusted` is an option.
# (FreeBSD's image checks its names against the release's package list: MS641.)
_ALPINE_PACKAGE = re.compile(r"[a-z0-9][a-z0-9._+-]{0,127}")


@rule(codes.BAD_PACKAGE_NAME, rationale="""
`image.packages` ends up on the `apk add` command line of Alpine's image/mkimage.sh, which
runs as root. A string that starts with `-` would be an option there (`--allow-untrusted`,
`--repository URL`), and characters such as `$`, spaces or quotes are not part of any Alpine
package name. mscc accepts lower-case letters, digits and `. _ + -`, starting with a letter or
a digit (and mkimage.sh also ends apk's options with `--`). FreeBSD's image checks its package
names against the release's own list instead (MS641).
""", fail="""
profile vm {
  hardware { chip = m3-pro  memory = 36GiB }
  image { minimal = yes  packages = ["htop", "--allow-untrusted"] }
}
""", passes="""
profile vm {
  hardware { chip = m3-pro  memory = 36GiB }
  image { minimal = yes  packages = ["htop", "py3-pip"] }
}
""", example_target="alpine")
def package_names(ctx: TargetContext) -> Iterator[Diagnostic]:
    if ctx.target.name != "alpine":
        return
    for name in ctx.profile.get("image.packages") or ():
        if not _ALPINE_PACKAGE.fullmatch(str(name)):
            yield diag(codes.BAD_PACKAGE_NAME, ctx.profile.where("image.packages"),
                       f"{str(name)!r} is not an Alpine package name",
                       "lower-case letters, digits and . _ + -, starting with a letter or digit")


@rule(codes.CUSTOM_KERNEL, rationale="""
`vm { kernel = custom }` asks the VM definition to boot the kernel build.sh made instead of
the OS image's own. Only Alpine's lima.yaml can do that (Lima's `images[].kernel`), and only
for the minimal kernel: its virtio-blk and ext4 are built in, while the virt kernel loads them
as modules from an initramfs that build.sh does not make. FreeBSD, NetBSD and OpenBSD boot
through their own loader: their build.sh installs the kernel in the guest, and the guest runs
it after a reboot (docs/run.md), whatever the VM definition says.
""", fail="""
profile vm {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { memory = 8GiB  kernel = custom }
}
""", passes="""
profile vm {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { memory = 8GiB  kernel = stock }
}
""")
def custom_kernel(ctx: TargetContext) -> Iterator[Diagnostic]:
    if ctx.profile.get("vm.kernel") != "custom":
        return
    where = ctx.profile.where("vm.kernel")
    if ctx.target.name != "alpine":
        yield diag(codes.CUSTOM_KERNEL, where,
                   f"the {ctx.target.data['title']} VM boots the kernel installed in the guest, not one "
                   "named by the VM definition",
                   "build.sh installs this profile's kernel in the guest: reboot into it (docs/run.md)")
    elif ctx.profile.get("kernel.base") != "minimal":
        yield diag(codes.CUSTOM_KERNEL, where,
                   "the virt kernel loads virtio-blk and ext4 as modules and build.sh makes no initramfs: "
                   "lima.yaml keeps Alpine's own kernel",
                   "set kernel { base = minimal }: the minimal kernel has them built in")
