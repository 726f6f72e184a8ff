"""OpenZFS module parameters per release (targets/openzfs/), and which release each OS ships."""

from __future__ import annotations

from functools import cache

from mscc.knowledge.targets import load_json


def _entry(os_name: str, version: str) -> dict | None:
    shipped = load_json("openzfs/platforms.json").get(os_name, {})
    parts = version.split(".")
    for key in (version, ".".join(parts[:2]), parts[0]):
        if key in shipped:
            entry = shipped[key]
            # A series entry may list its point releases, each with its own OpenZFS version.
            return entry.get("releases", {}).get(version, entry)
    return None


def series_for(os_name: str, version: str) -> str | None:
    """The OpenZFS series ("2.2") an OS version ships."""
    entry = _entry(os_name, version)
    return entry["openzfs"] if entry else None


def shipped_version(os_name: str, version: str) -> str | None:
    """The exact OpenZFS release ("2.2.9") an OS version ships, where the data knows it."""
    entry = _entry(os_name, version)
    return entry.get("openzfs_version") if entry else None


def tunables(series: str) -> dict:
    return load_json(f"openzfs/zfs-{series}.json")["tunables"]


def _release_tuple(v: str) -> tuple:
    return tuple(int(p) for p in v.split("-")[0].split(".") if p.isdigit())


@cache
def available(series: str, release: str | None) -> dict:
    """Tunables of `series` that exist in `release`: parameters come and go within a series
    (zfs_arc_shrinker_seeks arrived in 2.2.9; ignore_hole_birth left after 2.3.2)."""
    doc = load_json(f"openzfs/zfs-{series}.json")
    out = dict(doc["tunables"])
    if release is None:
        return out
    have = _release_tuple(release)
    for name, info in list(out.items()):
        if info.get("since") and _release_tuple(info["since"]) > have:
            del out[name]
    for name, info in doc.get("series", {}).get("removed_within_series", {}).items():
        if _release_tuple(info.get("since", "0")) <= have <= _release_tuple(info["last_seen"]):
            out[name] = info
    return out


def by_freebsd_name(series: str) -> dict:
    out = {}
    for linux, info in tunables(series).items():
        if info.get("freebsd"):
            out[info["freebsd"]] = linux
        for legacy in info.get("freebsd_legacy") or ():
            out[legacy] = linux
    return out
