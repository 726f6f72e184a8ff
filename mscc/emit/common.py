"""Pieces every target's emitter shares: identifiers, Lima data, the report."""

from __future__ import annotations

import re

from mscc.check.context import Context
from mscc.emit.artifacts import Artifact
from mscc.emit.render import render
from mscc.units import format_size


def kernel_ident(profile_name: str) -> str:
    """A kernel config name: upper case, letters, digits and underscores."""
    return "MSCC_" + re.sub(r"[^A-Z0-9]+", "_", profile_name.upper()).strip("_")


def lima_size(n: int) -> str:
    """A size as Lima reads it. Lima parses memory and disk with docker/go-units RAMInBytes
    (size.go: a number, then an optional k/m/g/t/p, an optional i and an optional b), so
    "12756052869 bytes" is refused; a size that is not a whole MiB is rounded down to one
    (Virtualization.framework wants memory in whole MiB, and qemu.sh's -m is in MiB too)."""
    text = format_size(n - n % (1 << 20)) if n >= 1 << 20 else format_size(n)
    return text if not text.endswith(" bytes") else text[: -len(" bytes")]


def sizes(ctx: Context) -> dict:
    p = ctx.profile
    return {"vm_memory": lima_size(p.get("vm.memory")), "disk": lima_size(p.get("vm.disk"))}


def report(ctx: Context, decisions: list[str], diagnostics: list) -> Artifact:
    lines = [f"{d.severity}[{d.code}] {d.span}: {d.message}" for d in sorted(diagnostics)]
    text = render("common/templates/report.txt.j2", profile=ctx.profile.name, target=ctx.target.name,
                  version=ctx.version["name"], decisions=decisions, diagnostics=lines)
    return Artifact("report.txt", "report", text)


def source_of(ctx: Context) -> str:
    """The source path as the generated files name it: a file name's undecodable bytes and
    control characters written as escapes (mscc.source.visible), never copied."""
    from mscc.source import visible

    return visible(ctx.profile.span.file)


def device_notes(ctx: Context) -> list[str]:
    """Report lines for the kept device classes whose driver has something worth knowing."""
    notes = ctx.target.data.get("device_notes", {})
    return [f"{cls}: {notes[cls]}" for cls in ctx.devices if notes.get(cls) and ctx.target.devices.get(cls)]
