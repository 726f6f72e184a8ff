"""Hardware facts against the chip database: memory sizes sold, cores, host headroom."""

from __future__ import annotations

from mscc import codes
from mscc.check.context import ProfileContext
from mscc.check.rule import rule
from mscc.diagnostics import diag
from mscc.units import GIB, format_size


def _host_memory(ctx: ProfileContext):
    return ctx.profile.get("hardware.memory")


@rule(codes.MEMORY_NOT_SOLD, scope="profile", rationale="""
Apple sells each chip with a fixed set of memory sizes (hardware/chips.json, with sources).
A size the chip was never sold with is almost always a typo (36 vs 32 GB), and every
percentage and limit mscc derives from it would be wrong.
""", fail="""
profile air {
  hardware { chip = m1  memory = 32GiB }
}
""", passes="""
profile air {
  hardware { chip = m1  memory = 16GiB }
}
""")
def memory_sold(ctx: ProfileContext):
    chip, memory = ctx.profile.chip, _host_memory(ctx)
    if chip is None or memory is None:
        return
    span = ctx.profile.where("hardware.memory")
    sold = ", ".join(f"{g} GB" for g in chip.memory_gb)
    if memory % GIB:
        yield diag(codes.MEMORY_NOT_SOLD, span, f"{format_size(memory)} is not a whole number of GB",
                   f"{chip.name} was sold with {sold}")
        return
    gb = memory // GIB
    if chip.memory_complete and gb not in chip.memory_gb:
        nearest = min(chip.memory_gb, key=lambda g: abs(g - gb))
        yield diag(codes.MEMORY_NOT_SOLD, span, f"{chip.name} was never sold with {gb} GB",
                   f"did you mean {nearest}GiB? it was sold with {sold}")
    elif not chip.memory_complete:
        low, high = chip.memory_min or min(chip.memory_gb), chip.memory_max or max(chip.memory_gb)
        if not low <= gb <= high:
            yield diag(codes.MEMORY_NOT_SOLD, span, f"{chip.name} was sold with {low}–{high} GB, not {gb} GB",
                       f"known options: {sold} (the list in hardware/chips.json is incomplete)")


@rule(codes.CPUS_EXCEED, scope="profile", rationale="""
A VM with more vCPUs than the Mac has cores oversubscribes the host: every vCPU is a host
thread, and the guest's spinlocks and ZFS's taskqs then wait on threads the host cannot run.
""", fail="""
profile mbp {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { cpus = 16  memory = 8GiB }
}
""", passes="""
profile mbp {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { cpus = 8  memory = 8GiB }
}
""")
def cpus_within_cores(ctx: ProfileContext):
    chip = ctx.profile.chip
    if chip is None:
        return
    cores = max(chip.core_counts)
    override = ctx.profile.settings.get("hardware.cores")
    if override is not None:
        if override.value not in chip.core_counts:
            counts = " or ".join(str(c) for c in chip.core_counts)
            yield diag(codes.CPUS_EXCEED, override.span, f"{chip.name} has {counts} cores, not {override.value}",
                       f"set hardware.cores to {counts}")
            return
        cores = override.value
    cpus = ctx.profile.get("vm.cpus")
    if cpus > cores:
        yield diag(codes.CPUS_EXCEED, ctx.profile.where("vm.cpus"),
                   f"vm.cpus = {cpus} exceeds the {cores} cores of {chip.name}",
                   f"use at most {cores} vCPUs; leave some for macOS")


@rule(codes.VM_MEMORY_EXCEEDS, scope="profile", rationale="""
The guest's memory is wired host memory. A VM as large as the Mac's memory cannot start,
or pushes macOS into swapping the guest out.
""", fail="""
profile mini {
  hardware { chip = m2-pro  memory = 16GiB }
  vm { memory = 16GiB }
}
""", passes="""
profile mini {
  hardware { chip = m2-pro  memory = 16GiB }
  vm { memory = 8GiB }
}
""")
def vm_memory_below_host(ctx: ProfileContext):
    host, vm = _host_memory(ctx), ctx.profile.get("vm.memory")
    if host is None or vm is None:
        return
    if vm >= host:
        yield diag(codes.VM_MEMORY_EXCEEDS, ctx.profile.where("vm.memory"),
                   f"vm.memory ({format_size(vm)}) is not below the host's {format_size(host)}",
                   f"give the VM at most {format_size(max(host - max(host // 4, 4 * GIB), GIB))}")


@rule(codes.HOST_HEADROOM, scope="profile", rationale="""
macOS needs memory of its own: below a quarter of the Mac's memory, or below 4 GiB, the host
starts compressing and swapping, and the VM's "RAM" is then paged to the SSD.
""", fail="""
profile mini {
  hardware { chip = m2-pro  memory = 16GiB }
  vm { memory = 14GiB }
}
""", passes="""
profile mini {
  hardware { chip = m2-pro  memory = 16GiB }
  vm { memory = 8GiB }
}
""")
def host_headroom(ctx: ProfileContext):
    host, vm = _host_memory(ctx), ctx.profile.get("vm.memory")
    if host is None or vm is None or vm >= host:
        return
    left = host - vm
    if left < host / 4 or left < 4 * GIB:
        yield diag(codes.HOST_HEADROOM, ctx.profile.where("vm.memory"),
                   f"macOS is left {format_size(left)} of {format_size(host)}",
                   f"leave at least {format_size(max(host // 4, 4 * GIB))} (25 % or 4 GiB, whichever is more)")


@rule(codes.NESTED_VIRT, scope="profile", rationale="""
Virtualization.framework offers nested virtualization only on M3 or later with macOS 15+
(Apple's VZGenericPlatformConfiguration.isNestedVirtualizationSupported); M1 hardware has no
FEAT_NV at all.
""", fail="""
profile air {
  hardware { chip = m1  memory = 16GiB }
  vm { hypervisor = vz  nested_virt = yes }
}
""", passes="""
profile mbp {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { hypervisor = vz  nested_virt = yes }
}
""")
def nested_virt(ctx: ProfileContext):
    chip = ctx.profile.chip
    if chip is None or not ctx.profile.get("vm.nested_virt"):
        return
    if not chip.nested_virt:
        yield diag(codes.NESTED_VIRT, ctx.profile.where("vm.nested_virt"),
                   f"{chip.name} does not support nested virtualization",
                   "it needs an M3 or later chip and macOS 15+")
