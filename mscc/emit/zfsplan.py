"""What zfs-setup.sh does, shared by every target that has ZFS."""

from __future__ import annotations

from dataclasses import dataclass, field

from mscc.check.context import Context
from mscc.language import ACCEPT_LOSS, ZFS_PROPS


@dataclass
class ZfsPlan:
    pool: str
    pool_props: list = field(default_factory=list)      # [(prop, value)]
    datasets: list = field(default_factory=list)        # [(name, [(prop, value)])]
    log_device: str | None = None
    cache_device: str | None = None
    notes: list = field(default_factory=list)


def _zfs_value(prop: str, value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if prop == "recordsize":
        from mscc.units import format_size
        return format_size(value).replace("iB", "")
    return str(value)


def plan(ctx: Context) -> ZfsPlan:
    p = ctx.profile
    out = ZfsPlan(pool=p.get("zfs.pool"))
    for prop in ZFS_PROPS:
        if p.has(f"zfs.{prop}"):
            out.pool_props.append((prop, _zfs_value(prop, p.get(f"zfs.{prop}"))))
    for ds in p.datasets:
        props = [(k, _zfs_value(k, v.value)) for k, v in sorted(ds.props.items())]
        out.datasets.append((ds.name, props))
    slog = p.get("zfs.slog")
    if slog != "none":
        if ctx.target.volatile_reason(slog) is None:
            out.log_device = slog
        elif ACCEPT_LOSS in (p.get("zfs.accept") or ()):
            # The honest form of a volatile log: say sync=disabled instead of hiding it in a RAM disk.
            out.pool_props = [(k, v) for k, v in out.pool_props if k != "sync"] + [("sync", "disabled")]
            out.datasets = [(n, [(k, v) for k, v in props if k != "sync"]) for n, props in out.datasets]
            out.notes.append("volatile SLOG requested with accepted data loss: sync=disabled emitted instead")
    l2arc = p.get("zfs.l2arc")
    if l2arc != "none":
        out.cache_device = l2arc
    return out


def setup_script(ctx: Context) -> tuple:
    """zfs-setup.sh for the profile, and the notes the report should carry about it."""
    from mscc.emit.artifacts import Artifact
    from mscc.emit.render import render

    zplan = plan(ctx)
    text = render("common/templates/zfs-setup.sh.j2", zfs=zplan, profile=ctx.profile.name, target=ctx.target.name)
    return Artifact("zfs-setup.sh", "zfs-setup", text, executable=True), zplan.notes
