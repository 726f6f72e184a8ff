"""Name databases extracted from the BSDs' own sources (targets/<os>/names-*.json)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from mscc.targets import load_json, target


@dataclass(frozen=True)
class FreeBSDNames:
    data: dict

    @property
    def options(self) -> dict:
        return self.data["options"]

    @property
    def devices(self) -> dict:
        return self.data["devices"]

    def has_option(self, name: str) -> bool:
        # config(8) also accepts DEV_* options (set by `device`) and compat aliases.
        return name in self.options or name in self.data.get("options_compat", {}) or name.startswith("DEV_")

    def has_device(self, name: str) -> bool:
        return name in self.devices

    def effective_options(self, config: str) -> dict:
        return self.data["effective"][config]["options"]

    def effective_devices(self, config: str) -> set:
        return set(self.data["effective"][config]["devices"])


@cache
def freebsd_names(version: str) -> FreeBSDNames:
    info = target("freebsd").version(version)
    return FreeBSDNames(load_json(f"freebsd/{info['names']}"))
