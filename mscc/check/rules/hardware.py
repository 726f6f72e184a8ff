"""Hardware facts against the chip database: memory sizes sold, cores, host headroom."""

from __future__ import annotations

from collections.abc import Iterator

from mscc import codes
from mscc.check.context import ProfileContext
from mscc.check.rule import rule
from mscc.diagnostics import Diagnostic, Severity, diag
from mscc.model import Chip
from mscc.units import GIB, format_size


def _host_memory(ctx: ProfileContext) -> int | None:
    return ctx.profile.get("hardware.memory")


def _sold_sizes(chip: Chip) -> str:
    return ", ".join(f"{g} GB" for g in chip.memory_gb) or "none sourced"


def _sourced_range(chip: Chip) -> tuple[int | None, int | None]:
    """The bounds an incomplete list is sourced with ("up to 128 GB"); None where no source gives one."""
    high = chip.memory_max if chip.memory_max is not None else max(chip.memory_gb, default=None)
    return chip.memory_min, high


def _range_text(low: int | None, high: int | None) -> str:
    if low is None:
        return f"up to {high} GB" if high is not None else "no sourced range"
    return f"{low}–{high} GB"


@rule(codes.MEMORY_NOT_SOLD, scope="profile", rationale="""
Apple sells each chip with a fixed set of memory sizes (hardware/chips.json, with sources).
A size the chip was never sold with is almost always a typo (36 vs 32 GB), and every
percentage and limit mscc derives from it would be wrong. Only a chip whose list is
known to be complete raises this error; an incomplete list raises MS207 at most.
""", fail="""
profile air {
  hardware { chip = m1  memory = 32GiB }
}
""", passes="""
profile air {
  hardware { chip = m1  memory = 16GiB }
}
""")
def memory_sold(ctx: ProfileContext) -> Iterator[Diagnostic]:
    chip, memory = ctx.profile.chip, _host_memory(ctx)
    if chip is None or memory is None or not chip.memory_complete:
        return
    span = ctx.profile.where("hardware.memory")
    sold = _sold_sizes(chip)
    if memory % GIB:
        yield diag(codes.MEMORY_NOT_SOLD, span, f"{format_size(memory)} is not a whole number of GB",
                   f"{chip.name} was sold with {sold}")
        return
    gb = memory // GIB
    if gb not in chip.memory_gb:
        nearest = min(chip.memory_gb, key=lambda g: abs(g - gb))
        yield diag(codes.MEMORY_NOT_SOLD, span, f"{chip.name} was never sold with {gb} GB",
                   f"did you mean {nearest}GiB? it was sold with {sold}")


@rule(codes.MEMORY_UNSOURCED, scope="profile", rationale="""
For some chips the sources reached give only part of the sizes Apple sold (often just the
"up to" figure; hardware/chips.json marks such a list incomplete). A size missing from an
incomplete list may well be real, so mscc never refuses it: inside the sourced range it is
a note, outside it a warning. Nothing derived from the size changes.
""", fail="""
profile studio {
  hardware { chip = m1-ultra  memory = 96GiB }
}
""", passes="""
profile studio {
  hardware { chip = m1-ultra  memory = 128GiB }
}
""")
def memory_unsourced(ctx: ProfileContext) -> Iterator[Diagnostic]:
    chip, memory = ctx.profile.chip, _host_memory(ctx)
    if chip is None or memory is None or chip.memory_complete:
        return
    span = ctx.profile.where("hardware.memory")
    sold = _sold_sizes(chip)
    gb, whole = divmod(memory, GIB)
    if not whole and gb in chip.memory_gb:
        return
    low, high = _sourced_range(chip)
    sourced = _range_text(low, high)
    hint = f"sourced sizes: {sold}; the list in hardware/chips.json is incomplete"
    if whole:
        yield diag(codes.MEMORY_UNSOURCED, span, f"{format_size(memory)} is not a whole number of GB",
                   hint, severity=Severity.WARNING)
    elif (low is not None and gb < low) or (high is not None and gb > high):
        yield diag(codes.MEMORY_UNSOURCED, span,
                   f"{gb} GB is outside the sourced range of {chip.name} ({sourced})",
                   hint, severity=Severity.WARNING)
    else:
        yield diag(codes.MEMORY_UNSOURCED, span,
                   f"{gb} GB is inside the sourced range of {chip.name} ({sourced}) but not among its sourced sizes",
                   hint)


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
def cpus_within_cores(ctx: ProfileContext) -> Iterator[Diagnostic]:
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
def vm_memory_below_host(ctx: ProfileContext) -> Iterator[Diagnostic]:
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
def host_headroom(ctx: ProfileContext) -> Iterator[Diagnostic]:
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
""", example_target="alpine")  # FreeBSD does not boot under vz (MS501): the passing example would not pass
def nested_virt(ctx: ProfileContext) -> Iterator[Diagnostic]:
    chip = ctx.profile.chip
    if chip is None or not ctx.profile.get("vm.nested_virt"):
        return
    if not chip.nested_virt:
        yield diag(codes.NESTED_VIRT, ctx.profile.where("vm.nested_virt"),
                   f"{chip.name} does not support nested virtualization",
                   "it needs an M3 or later chip and macOS 15+")
