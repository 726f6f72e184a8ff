"""OpenZFS module parameters per release (targets/openzfs/), and which release each OS ships."""

from __future__ import annotations

from mscc.targets import load_json


def series_for(os_name: str, version: str) -> str | None:
    """The OpenZFS series ("2.2") an OS version ships, by exact version or its series."""
    shipped = load_json("openzfs/platforms.json").get(os_name, {})
    for key in (version, version.split(".")[0], ".".join(version.split(".")[:2])):
        if key in shipped:
            return shipped[key]["openzfs"]
    return None


def tunables(series: str) -> dict:
    return load_json(f"openzfs/zfs-{series}.json")["tunables"]


def by_freebsd_name(series: str) -> dict:
    out = {}
    for linux, info in tunables(series).items():
        if info.get("freebsd"):
            out[info["freebsd"]] = linux
        for legacy in info.get("freebsd_legacy") or ():
            out[legacy] = linux
    return out
