"""Target descriptions: capability data in targets/<os>/target.json, read once per run."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache

from mscc.paths import targets_dir


@dataclass(frozen=True)
class TargetInfo:
    name: str
    data: dict

    @property
    def page_sizes_kib(self) -> tuple:
        return tuple(self.data["page_sizes_kib"])

    @property
    def zfs(self) -> dict | None:
        return self.data.get("zfs")

    @property
    def devices(self) -> dict:
        return self.data["devices"]

    def hypervisor(self, name: str) -> dict:
        return self.data["hypervisors"].get(name, {})

    def volatile_reason(self, device: str) -> str | None:
        """Why a ZFS log device would not survive a host crash ("RAM", or what the target's
        volatile_devices say of its path), or None when it would."""
        if device == "ram":
            return "RAM"
        for entry in (self.zfs or {}).get("volatile_devices", ()):
            if re.search(entry["pattern"], device):
                return str(entry["what"])
        return None

    def known_version(self, requested: str | None) -> dict:
        """The data of a version the caller knows is supported (the checks refused the rest)."""
        found = self.version(requested)
        if found is None:
            raise KeyError(f"mscc has no data for {self.name} {requested}")
        return found

    def version(self, requested: str | None) -> dict | None:
        """The data of a supported version: exact key, or the series ("14.3" → "14")."""
        versions = self.data["versions"]
        if requested is None:
            requested = self.data["default_version"]
        if requested in versions:
            return {"name": requested, **versions[requested]}
        for key, info in versions.items():
            if requested.startswith(key + "."):
                return {"name": requested, **info}
        return None


@cache
def load_json(relative: str) -> dict:
    with open(targets_dir() / relative, encoding="utf-8") as fh:
        return json.load(fh)


@cache
def target(name: str) -> TargetInfo:
    return TargetInfo(name, load_json(f"{name}/target.json"))


def available() -> tuple[str, ...]:
    from mscc.language import TARGETS  # the grammar's module: only when targets are listed

    return tuple(t for t in TARGETS if (targets_dir() / t / "target.json").exists())


def hypervisors() -> dict:
    return load_json("common/hypervisors.json")
