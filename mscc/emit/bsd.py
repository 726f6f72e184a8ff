"""Pieces the NetBSD and OpenBSD emitters share: kept device classes, sysctl lines, the
QEMU launch script (Lima has no template for either)."""

from __future__ import annotations

import re

from mscc import codes
from mscc.check.context import Context
from mscc.diagnostics import diag
from mscc.knowledge.targets import hypervisors

SYSCTL_LINE = re.compile(r"^\s*[a-z][a-z0-9_.]*\s*=\s*\S")


def wanted_classes(ctx: Context) -> list[str]:
    """The kept device classes the target has a driver for (the others are MS308 warnings)."""
    return [c for c in ctx.devices if ctx.target.devices.get(c)]


def check_sysctl(lines) -> list:
    return [diag(codes.BAD_RAW_LINE, located.span, f"not a sysctl.conf line: {located.value!r}", "write name=value")
            for located in lines if not SYSCTL_LINE.match(located.value)]


def sysctl_lines(ctx: Context) -> list[tuple[str, str]]:
    """The profile's raw sysctl lines for this target, as (name, value)."""
    return [tuple(s.strip() for s in located.value.split("=", 1))
            for located in ctx.profile.raw.get(ctx.target.name, {}).get("sysctl", ())]


def qemu_devices(ctx: Context) -> list[tuple[str, str]]:
    """The QEMU arguments that present exactly the device classes the kernel keeps."""
    args = []
    for cls in wanted_classes(ctx):
        words = ctx.target.devices[cls].get("qemu", [])
        args += [pair for pair in zip(words[::2], words[1::2], strict=False) if pair not in args]
    return args


def qemu_script(ctx: Context, *, guest: str, machine: str, facts: str, boots_note: str = "",
                graphics: bool = False):
    from mscc.emit.artifacts import Artifact
    from mscc.emit.render import render

    p = ctx.profile
    hv = hypervisors()["hypervisors"][ctx.hypervisor]
    text = render("common/templates/qemu.sh.j2", profile=p.name, version=ctx.version["name"], guest=guest,
                  machine=machine, facts=facts, boots_note=boots_note, chip=ctx.chip.name, cpus=p.get("vm.cpus"),
                  memory_mib=p.get("vm.memory") // (1 << 20), devices=qemu_devices(ctx), graphics=graphics,
                  hypervisor=ctx.hypervisor, hypervisor_name=hv["name"])
    return Artifact("qemu.sh", "vm-definition", text, executable=True)
