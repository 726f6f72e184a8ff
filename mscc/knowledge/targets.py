"""Target descriptions: capability data in targets/<os>/target.json, read once per run."""

from __future__ import annotations

import json
import re
from functools import cache

from mscc.paths import targets_dir
from mscc.record import Record


class TargetInfo(Record):
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
        """The data of a supported version: exact key, or a point release of a series
        ("14.3" → "14"). The name in the result is rebuilt from the numbers that were read,
        never the requested text: `vm.version` comes from the input and reaches a comment
        line of every generated file."""
        versions = self.data["versions"]
        if requested is None:
            requested = self.data["default_version"]
        numbers = _version_numbers(requested)
        if numbers is None:
            return None
        canonical = ".".join(str(n) for n in numbers)
        for key, info in versions.items():
            key_numbers = _version_numbers(key)
            if key_numbers is not None and numbers[:len(key_numbers)] == key_numbers:
                return {"name": key if numbers == key_numbers else canonical, **info}
        return None


_VERSION = re.compile(r"[0-9]{1,4}(\.[0-9]{1,4}){0,2}")


def _version_numbers(text: object) -> tuple[int, ...] | None:
    """(15, 1) for "15.1"; None for anything that is not one to three dot-separated numbers."""
    if not isinstance(text, str) or not _VERSION.fullmatch(text):
        return None
    return tuple(int(part) for part in text.split("."))


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
