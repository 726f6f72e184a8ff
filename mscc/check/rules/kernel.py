"""Kernel intent against the hardware and the target: page size, boot devices, debug."""

from __future__ import annotations

from collections.abc import Iterator

from mscc import codes
from mscc.check.context import ProfileContext, TargetContext
from mscc.check.rule import rule
from mscc.diagnostics import Diagnostic, diag
from mscc.knowledge.targets import hypervisors

_BASE = """
  hardware { chip = m3-pro  memory = 36GiB }
  vm { hypervisor = qemu  cpus = 4  memory = 8GiB }
"""


@rule(codes.PAGE_64K, scope="profile", rationale="""
M-series CPUs implement the 4K and 16K translation granules only (ID_AA64MMFR0_EL1 reads
TGran64 = 0xF on M1, M3 and M4). A 64K-page guest kernel stops in the EFI stub with
"This 64 KB granular kernel is not supported by your CPU" (lima-vm/lima#841).
""", fail=f"""
profile vm {{{_BASE}  kernel {{ page_size = 64K }}
}}
""", passes=f"""
profile vm {{{_BASE}  kernel {{ page_size = 16K }}
}}
""", example_target="alpine")
def no_64k_pages(ctx: ProfileContext) -> Iterator[Diagnostic]:
    value = ctx.profile.get("kernel.page_size")
    if value == "auto":
        return
    span = ctx.profile.where("kernel.page_size")
    if value == 64 * 1024:
        yield diag(codes.PAGE_64K, span, "64K pages: Apple M-series CPUs have no 64K translation granule",
                   "use 4K or 16K; a 64K kernel does not boot")
    elif value not in (4096, 16384):
        yield diag(codes.BAD_VALUE, span, f"page_size {ctx.profile.text('kernel.page_size')} is not 4K, 16K or auto")


@rule(codes.PAGE_16K_BSD, rationale="""
FreeBSD, NetBSD and OpenBSD arm64 kernels are 4K-page kernels with no config option for 16K:
FreeBSD's experimental 16K needs edited headers and a matching userland, NetBSD's
AARCH64_PAGE_SHIFT is not a config(1) option, OpenBSD hard-codes PAGE_SHIFT 12. `auto`
picks 4K on these targets without comment.
""", fail=f"""
profile vm {{{_BASE}  kernel {{ page_size = 16K }}
}}
""", passes=f"""
profile vm {{{_BASE}  kernel {{ page_size = auto }}
}}
""")
def page_size_supported(ctx: TargetContext) -> Iterator[Diagnostic]:
    value = ctx.profile.get("kernel.page_size")
    if value == "auto" or value not in (4096, 16384):
        return
    kib = value // 1024
    if kib not in ctx.target.page_sizes_kib:
        sizes = " or ".join(f"{k}K" for k in ctx.target.page_sizes_kib)
        yield diag(codes.PAGE_16K_BSD, ctx.profile.where("kernel.page_size"),
                   f"{ctx.target.data['title']} kernels have no option for {kib}K pages",
                   f"use {sizes} (or auto) for {ctx.target.name}; "
                   + ctx.target.data.get("page_size_note", ""))


@rule(codes.NO_BOOT_DISK, rationale="""
Under Lima, both vz and qemu attach the root disk as virtio-blk, not NVMe. A kernel that
keeps no driver for the disk the hypervisor presents cannot mount its root file system.
""", fail=f"""
profile vm {{{_BASE}  kernel {{ devices = [nvme, virtio-net] }}
}}
""", passes=f"""
profile vm {{{_BASE}  kernel {{ devices = [virtio-blk, virtio-net] }}
}}
""")
def keeps_boot_disk(ctx: TargetContext) -> Iterator[Diagnostic]:
    hv = hypervisors()["hypervisors"][ctx.hypervisor]
    boot = hv["boot_disk"]
    if not any(d in ctx.devices and ctx.target.devices.get(d) for d in boot):
        span = ctx.profile.where("kernel.devices")
        yield diag(codes.NO_BOOT_DISK, span,
                   f"the kernel keeps no driver for the {' or '.join(boot)} disk {hv['name']} boots from",
                   f"add {boot[0]} to kernel.devices; Lima presents the root disk as {boot[0]}, not NVMe")


@rule(codes.DEVICE_UNSUPPORTED, rationale="""
Some virtio device classes have no driver in some guest kernels (FreeBSD has no virtio-fs
driver; OpenBSD no 9P). Keeping them asks for something the kernel cannot provide.
""", fail=f"""
profile vm {{{_BASE}  kernel {{ devices = [virtio-blk, virtio-fs] }}
}}
""", passes=f"""
profile vm {{{_BASE}  kernel {{ devices = [virtio-blk, virtio-net] }}
}}
""")
def device_classes_supported(ctx: TargetContext) -> Iterator[Diagnostic]:
    for cls in ctx.devices:
        if ctx.target.devices.get(cls) is None:
            note = ctx.target.data.get("device_notes", {}).get(cls)
            yield diag(codes.DEVICE_UNSUPPORTED, ctx.profile.where("kernel.devices"),
                       f"{ctx.target.data['title']} has no driver for {cls}; it is left out", note)
            continue
        since, version = ctx.target.devices[cls].get("since"), ctx.version
        if since and version and ctx.older_than(since):
            yield diag(codes.DEVICE_UNSUPPORTED, ctx.profile.where("kernel.devices"),
                       f"{cls} needs {ctx.target.name} {since} or later; {version['name']} is left without it")



@rule(codes.NO_INPUT, rationale="""
Under Virtualization.framework the keyboard and the pointing device are USB devices
(VZUSBKeyboardConfiguration). A kernel without USB HID has no input on the graphical console.
""", fail="""
profile vm {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { hypervisor = vz  memory = 8GiB }
  kernel { devices = [virtio-blk, virtio-net, virtio-gpu] }
}
""", passes="""
profile vm {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { hypervisor = vz  memory = 8GiB }
  kernel { devices = [virtio-blk, virtio-net, virtio-gpu, usb-input] }
}
""", example_target="alpine")
def usb_input_on_vz(ctx: TargetContext) -> Iterator[Diagnostic]:
    hv = hypervisors()["hypervisors"][ctx.hypervisor]
    wanted = hv.get("input")
    if wanted and "virtio-gpu" in ctx.devices and wanted not in ctx.devices:
        yield diag(codes.NO_INPUT, ctx.profile.where("kernel.devices"),
                   f"under {ctx.hypervisor} the keyboard and mouse are USB devices, and {wanted} is not kept",
                   f"add {wanted} to kernel.devices, or drop virtio-gpu for a serial-only VM")


@rule(codes.LOCKDEP_ZFS, rationale="""
On Linux, PROVE_LOCKING selects DEBUG_LOCK_ALLOC, which makes mutex_lock() GPL-only; OpenZFS's
configure then stops with "Kernel built with CONFIG_DEBUG_LOCK_ALLOC which is incompatible
with the CDDL license". A fully debugged kernel and ZFS do not go together.
""", fail=f"""
profile vm {{{_BASE}  kernel {{ debug = full }}
  zfs {{ arc_max = 2GiB }}
}}
""", passes=f"""
profile vm {{{_BASE}  kernel {{ debug = on }}
  zfs {{ arc_max = 2GiB }}
}}
""", example_target="alpine")
def lock_debugging_with_zfs(ctx: TargetContext) -> Iterator[Diagnostic]:
    zfs = ctx.target.zfs
    if not zfs or not zfs.get("lock_debug_breaks_build"):
        return
    if ctx.profile.get("kernel.debug") == "full" and ctx.profile.zfs_wanted:
        yield diag(codes.LOCKDEP_ZFS, ctx.profile.where("kernel.debug"),
                   "debug = full enables PROVE_LOCKING → DEBUG_LOCK_ALLOC, and OpenZFS refuses to build against it",
                   "use debug = on (no lock proving) or drop the zfs block for this target")


@rule(codes.HW_CHECKSUMS, rationale="""
On Linux 6.2+ arm64 exports kernel_neon_begin/end GPL-only, so CDDL OpenZFS builds without
in-kernel SIMD: no NEON fletcher4, no NEON BLAKE3, no ARMv8-CE SHA-2 (openzfs/zfs#15401,
config/kernel-fpu.m4). Hardware-accelerated checksums cannot be delivered on Alpine; FreeBSD
does use ARMv8 SHA-2 and NEON BLAKE3.
""", fail=f"""
profile vm {{{_BASE}  zfs {{ checksum = sha256  hw_checksums = yes }}
}}
""", passes=f"""
profile vm {{{_BASE}  zfs {{ checksum = sha256 }}
}}
""", example_target="alpine")
def hw_checksums(ctx: TargetContext) -> Iterator[Diagnostic]:
    zfs = ctx.target.zfs
    if not zfs or not ctx.profile.zfs_wanted or not ctx.profile.get("zfs.hw_checksums"):
        return
    if not zfs.get("simd"):
        yield diag(codes.HW_CHECKSUMS, ctx.profile.where("zfs.hw_checksums"),
                   f"accelerated ZFS checksums are not available on {ctx.target.name}: "
                   + zfs.get("simd_note", "no in-kernel SIMD"),
                   "drop hw_checksums, or use the freebsd target, whose ZFS uses ARMv8 SHA-2 and NEON BLAKE3")
